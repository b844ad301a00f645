// message.cpp — DNS wire format (see message.h).
//
// SECURITY: every read goes through Reader, which checks the position
// against the packet's size first; names are read by read_name(), which
// bounds pointers (strictly decreasing targets) and lengths.  Nothing here
// trusts a count: counts only bound loops that also run out of bytes.
//
// STANDARDS: RFC 1035 §3.1 (names), §4.1 (header, question, RR), §4.1.4
// (compression), §5.1 (\DDD escapes in presentation form); RFC 6891 §6.1.2
// (OPT RR); RFC 3596 §2.2 (AAAA data).
#include "libmail/dns/message.h"

#include "libmail/util/strings.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <set>

namespace mail::dns {

namespace {

constexpr std::size_t k_header_size = 12;
constexpr std::size_t k_max_name_wire = 255;  // RFC 1035 §3.1
constexpr std::size_t k_max_label = 63;
constexpr int k_max_pointers = 127;
constexpr int k_max_cname_steps = 16;
constexpr std::uint16_t k_type_opt = 41;

Error protocol_error(std::string text) {
    return make_error(EX_PROTOCOL, "malformed DNS message: " + std::move(text));
}

// Bounds-checked big-endian reads over the packet.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> p) : m_p(p) {}
    std::size_t pos() const { return m_pos; }
    void seek(std::size_t pos) { m_pos = pos; }
    std::size_t size() const { return m_p.size(); }
    bool has(std::size_t n) const { return m_pos <= m_p.size() && m_p.size() - m_pos >= n; }
    bool u8(std::uint8_t& v) {
        if (!has(1)) return false;
        v = m_p[m_pos++];
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (!has(2)) return false;
        v = static_cast<std::uint16_t>((m_p[m_pos] << 8) | m_p[m_pos + 1]);
        m_pos += 2;
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (!has(4)) return false;
        v = (std::uint32_t{m_p[m_pos]} << 24) | (std::uint32_t{m_p[m_pos + 1]} << 16) |
            (std::uint32_t{m_p[m_pos + 2]} << 8) | std::uint32_t{m_p[m_pos + 3]};
        m_pos += 4;
        return true;
    }
    std::span<const std::uint8_t> packet() const { return m_p; }

private:
    std::span<const std::uint8_t> m_p;
    std::size_t m_pos = 0;
};

// Appends one label in presentation form: '.' and '\' escaped with '\',
// bytes outside [!-~] as \DDD.
void append_label(std::string& out, std::span<const std::uint8_t> label) {
    for (std::uint8_t c : label) {
        if (c == '.' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x21 || c > 0x7e) {
            out += fmt::format("\\{:03d}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
}

// Reads a (possibly compressed) name at the reader's position and leaves
// the reader just after it (after the first pointer, if any).  Each pointer
// must point before the start of the labels it continues — targets strictly
// decrease, so any chain of pointers ends.
Result<std::string> read_name(Reader& r) {
    const auto pkt = r.packet();
    std::size_t p = r.pos();
    std::size_t lowest = p;  // pointers must go below this
    std::size_t resume = 0;
    bool jumped = false;
    int pointers = 0;
    std::size_t wire = 0;
    std::string out;
    for (;;) {
        if (p >= pkt.size())
            return protocol_error(fmt::format("name at offset {} runs past the end", r.pos()));
        std::uint8_t len = pkt[p];
        if ((len & 0xC0) == 0xC0) {
            if (p + 1 >= pkt.size())
                return protocol_error(fmt::format("compression pointer at offset {} cut off", p));
            std::size_t target = (std::size_t{len & 0x3Fu} << 8) | pkt[p + 1];
            if (target >= lowest)
                return protocol_error(fmt::format(
                    "compression pointer at offset {} to {} does not point backwards", p, target));
            if (++pointers > k_max_pointers)
                return protocol_error(
                    fmt::format("name at offset {} has too many compression pointers", r.pos()));
            if (!jumped) {
                resume = p + 2;
                jumped = true;
            }
            lowest = target;
            p = target;
            continue;
        }
        if ((len & 0xC0) != 0)
            return protocol_error(fmt::format("reserved label type 0x{:02x} at offset {}", len, p));
        if (len == 0) {
            if (!jumped) resume = p + 1;
            break;
        }
        wire += 1 + std::size_t{len};
        if (wire + 1 > k_max_name_wire)
            return protocol_error(fmt::format("name at offset {} is longer than 255 octets", r.pos()));
        if (pkt.size() - p - 1 < len)
            return protocol_error(fmt::format("label at offset {} runs past the end", p));
        if (!out.empty()) out += '.';
        append_label(out, pkt.subspan(p + 1, len));
        p += 1 + std::size_t{len};
    }
    r.seek(resume);
    return out;
}

void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

// Encodes a name given in text; only printable ASCII without '\' (no escapes
// needed for host names and _dmarc labels).
Status encode_name(Bytes& out, std::string_view name) {
    std::string_view n = name;
    if (!n.empty() && n.back() == '.') n.remove_suffix(1);
    if (n.empty()) return make_error(EX_DATAERR, "empty DNS name");
    if (n.size() > 253)
        return make_error(EX_DATAERR, fmt::format("DNS name longer than 253 characters: {:.40}...", n));
    for (const auto& label : split(n, ".", false)) {
        if (label.empty())
            return make_error(EX_DATAERR, fmt::format("DNS name with an empty label: {}", name));
        if (label.size() > k_max_label)
            return make_error(EX_DATAERR, fmt::format("DNS label longer than 63 octets in {}", name));
        for (char c : label)
            if (c < 0x21 || c > 0x7e || c == '\\')
                return make_error(EX_DATAERR, "DNS name with a space, control or non-ASCII character");
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
    }
    out.push_back(0);
    return {};
}

// The data of an answer-section record of a known type.
Status decode_rdata(Reader& r, std::size_t end, WireRecord& rr) {
    const auto pkt = r.packet();
    Record& rec = rr.record;
    rec.name = rr.name;
    rec.ttl = rr.ttl;
    auto name_to_end = [&](std::string_view what) -> Result<std::string> {
        auto n = read_name(r);
        if (!n) return n.error();
        if (r.pos() != end)
            return protocol_error(
                fmt::format("{} record of {}: name does not fill the record data", what, rr.name));
        return n;
    };
    switch (static_cast<Type>(rr.type)) {
        case Type::A:
        case Type::AAAA: {
            const bool v4 = rr.type == static_cast<std::uint16_t>(Type::A);
            const std::size_t want = v4 ? 4 : 16;
            if (rr.rdlength != want)
                return protocol_error(fmt::format("{} record of {} has {} octets of data, want {}",
                                                  v4 ? "A" : "AAAA", rr.name, rr.rdlength, want));
            std::array<char, INET6_ADDRSTRLEN> buf{};
            if (!inet_ntop(v4 ? AF_INET : AF_INET6, pkt.data() + r.pos(), buf.data(), buf.size()))
                return protocol_error("address record cannot be printed");
            rec.text = buf.data();
            r.seek(end);
            break;
        }
        case Type::MX: {
            if (!r.has(2) || r.pos() + 2 > end)
                return protocol_error(fmt::format("MX record of {} too short", rr.name));
            r.u16(rec.preference);
            auto n = name_to_end("MX");
            if (!n) return n.error();
            rec.text = std::move(*n);
            break;
        }
        case Type::PTR:
        case Type::CNAME: {
            auto n = name_to_end(rr.type == static_cast<std::uint16_t>(Type::PTR) ? "PTR" : "CNAME");
            if (!n) return n.error();
            rec.text = std::move(*n);
            break;
        }
        case Type::TXT: {
            // One or more <character-string>s: a length octet and that many octets.
            while (r.pos() < end) {
                std::uint8_t len = 0;
                r.u8(len);
                if (end - r.pos() < len)
                    return protocol_error(
                        fmt::format("TXT record of {}: string runs past the record data", rr.name));
                rec.text.append(reinterpret_cast<const char*>(pkt.data() + r.pos()), len);
                r.seek(r.pos() + len);
            }
            break;
        }
        default: r.seek(end); return {};
    }
    rec.type = static_cast<Type>(rr.type);
    rr.decoded = true;
    return {};
}

bool known_type(std::uint16_t t) {
    switch (static_cast<Type>(t)) {
        case Type::A:
        case Type::AAAA:
        case Type::MX:
        case Type::TXT:
        case Type::PTR:
        case Type::CNAME: return true;
    }
    return false;
}

Status read_section(Reader& r, std::uint16_t count, std::vector<WireRecord>& out, bool decode,
                    std::string_view section) {
    for (std::uint16_t i = 0; i < count; ++i) {
        WireRecord rr;
        auto name = read_name(r);
        if (!name)
            return make_error(EX_PROTOCOL, fmt::format("{} (in {} record {} of {})", name.error().message,
                                                       section, i + 1, count));
        rr.name = std::move(*name);
        if (!r.u16(rr.type) || !r.u16(rr.rclass) || !r.u32(rr.ttl) || !r.u16(rr.rdlength))
            return protocol_error(fmt::format("{} record {} of {} cut off", section, i + 1, count));
        if (!r.has(rr.rdlength))
            return protocol_error(
                fmt::format("{} record {} of {}: data runs past the end", section, i + 1, count));
        const std::size_t end = r.pos() + rr.rdlength;
        if (decode && rr.rclass == k_class_in && known_type(rr.type)) {
            if (auto st = decode_rdata(r, end, rr); !st) return st;
        }
        r.seek(end);
        out.push_back(std::move(rr));
    }
    return {};
}

}  // namespace

Result<Bytes> encode_query(std::uint16_t id, std::string_view name, Type type, bool edns) {
    Bytes b;
    b.reserve(k_header_size + name.size() + 2 + 4 + 11);
    put16(b, id);
    put16(b, 0x0100);  // QR=0, opcode QUERY, RD=1
    put16(b, 1);       // QDCOUNT
    put16(b, 0);
    put16(b, 0);
    put16(b, edns ? 1 : 0);  // ARCOUNT: the OPT record
    if (auto st = encode_name(b, name); !st) return st.error();
    put16(b, static_cast<std::uint16_t>(type));
    put16(b, k_class_in);
    if (edns) {
        b.push_back(0);  // root owner name
        put16(b, k_type_opt);
        put16(b, k_edns_udp_size);  // CLASS = requestor's UDP payload size
        put16(b, 0);                // TTL: extended RCODE 0, version 0,
        put16(b, 0);                // DO bit clear
        put16(b, 0);                // RDLEN: no options
    }
    return b;
}

Result<Message> parse_message(std::span<const std::uint8_t> packet) {
    if (packet.size() < k_header_size)
        return protocol_error(fmt::format("{} octets, shorter than a header", packet.size()));
    if (packet.size() > k_max_message) return protocol_error("longer than 65535 octets");
    Reader r(packet);
    Message m;
    Header& h = m.header;
    std::uint16_t flags = 0;
    r.u16(h.id);
    r.u16(flags);
    r.u16(h.qdcount);
    r.u16(h.ancount);
    r.u16(h.nscount);
    r.u16(h.arcount);
    h.qr = (flags & 0x8000) != 0;
    h.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0F);
    h.aa = (flags & 0x0400) != 0;
    h.tc = (flags & 0x0200) != 0;
    h.rd = (flags & 0x0100) != 0;
    h.ra = (flags & 0x0080) != 0;
    h.rcode = static_cast<Rcode>(flags & 0x000F);

    for (std::uint16_t i = 0; i < h.qdcount; ++i) {
        Question q;
        auto name = read_name(r);
        if (!name) return name.error();
        q.name = std::move(*name);
        if (!r.u16(q.type) || !r.u16(q.qclass))
            return protocol_error(fmt::format("question {} of {} cut off", i + 1, h.qdcount));
        m.questions.push_back(std::move(q));
    }
    if (h.tc) return m;  // the rest may be missing; the caller goes to TCP
    if (auto st = read_section(r, h.ancount, m.answers, true, "answer"); !st) return st.error();
    if (auto st = read_section(r, h.nscount, m.authority, false, "authority"); !st) return st.error();
    if (auto st = read_section(r, h.arcount, m.additional, false, "additional"); !st) return st.error();
    return m;
}

Status check_reply(const Message& m, std::uint16_t id, std::string_view name, Type type) {
    const Header& h = m.header;
    if (!h.qr) return protocol_error("not a response (QR clear)");
    if (h.opcode != 0) return protocol_error(fmt::format("opcode {}, want QUERY", h.opcode));
    if (h.id != id) return protocol_error(fmt::format("id {}, want {}", h.id, id));
    // RFC 1035 does not oblige a server to echo the question in an error
    // reply (old servers answer EDNS with a bare FORMERR).  Such a reply can
    // only make us give up on this server, so the id suffices for it; an
    // answer or NXDOMAIN must name our question.
    if (h.qdcount == 0 && h.rcode != Rcode::NoError && h.rcode != Rcode::NxDomain) return {};
    if (m.questions.size() != 1)
        return protocol_error(fmt::format("{} questions, want 1", m.questions.size()));
    const Question& q = m.questions.front();
    if (normalize_name(q.name) != normalize_name(name))
        return protocol_error(fmt::format("question names {}, want {}", q.name, name));
    if (q.type != static_cast<std::uint16_t>(type) || q.qclass != k_class_in)
        return protocol_error(
            fmt::format("question asks type {} class {}, want {} IN", q.type, q.qclass, type_name(type)));
    return {};
}

Answer extract_answer(const Message& m, std::string_view name, Type type) {
    Answer a;
    a.rcode = m.header.rcode;
    std::string current = normalize_name(name);
    std::set<std::string> seen{current};
    if (type != Type::CNAME) {
        for (int step = 0; step < k_max_cname_steps; ++step) {
            const WireRecord* next = nullptr;
            for (const auto& rr : m.answers)
                if (rr.decoded && rr.record.type == Type::CNAME && normalize_name(rr.name) == current) {
                    next = &rr;
                    break;
                }
            if (!next) break;
            std::string target = normalize_name(next->record.text);
            if (!seen.insert(target).second) break;  // a loop: stop where we are
            current = std::move(target);
        }
    }
    for (const auto& rr : m.answers)
        if (rr.decoded && rr.record.type == type && normalize_name(rr.name) == current)
            a.records.push_back(rr.record);
    a.canonical_name = std::move(current);
    return a;
}

Result<Answer> decode_response(std::span<const std::uint8_t> packet, std::uint16_t id, std::string_view name,
                               Type type) {
    auto m = parse_message(packet);
    if (!m) return m.error();
    if (auto st = check_reply(*m, id, name, type); !st) return st.error();
    if (m->header.tc) return make_error(EX_PROTOCOL, "DNS reply truncated (TC set)");
    return extract_answer(*m, name, type);
}

}  // namespace mail::dns
