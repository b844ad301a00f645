// test_packets.h — building DNS packets by hand for the dns tests (header
// only, not part of the library).  Every byte a test sends is written out
// with these helpers, so a reader sees the packet's layout in the test.
#pragma once

#include "libmail/dns/message.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace mail::dns::testing {

constexpr std::uint16_t k_flags_reply = 0x8180;  // QR, RD, RA, rcode 0
constexpr std::uint16_t k_flags_tc = 0x0200;

class Packet {
public:
    Packet& u8(std::uint8_t v) {
        m_b.push_back(v);
        return *this;
    }
    Packet& u16(std::uint16_t v) {
        return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
    }
    Packet& u32(std::uint32_t v) {
        return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
    }
    Packet& raw(std::string_view s) {
        m_b.insert(m_b.end(), s.begin(), s.end());
        return *this;
    }
    Packet& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
                   std::uint16_t ns = 0, std::uint16_t ar = 0) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    // "a.b" → 1 'a' 1 'b' (no terminator); then end() or ptr().
    Packet& labels(std::string_view dotted) {
        std::size_t start = 0;
        while (start < dotted.size()) {
            std::size_t dot = dotted.find('.', start);
            if (dot == std::string_view::npos) dot = dotted.size();
            u8(static_cast<std::uint8_t>(dot - start));
            raw(dotted.substr(start, dot - start));
            start = dot + 1;
        }
        return *this;
    }
    Packet& end() { return u8(0); }
    Packet& name(std::string_view dotted) { return labels(dotted).end(); }
    Packet& ptr(std::uint16_t offset) { return u16(static_cast<std::uint16_t>(0xC000 | offset)); }
    Packet& question(std::string_view dotted, Type type) {
        return name(dotted).u16(static_cast<std::uint16_t>(type)).u16(k_class_in);
    }
    // The fixed part of a record after its owner name.
    Packet& rr(Type type, std::uint16_t rdlength, std::uint32_t ttl = 300) {
        return u16(static_cast<std::uint16_t>(type)).u16(k_class_in).u32(ttl).u16(rdlength);
    }
    std::size_t size() const { return m_b.size(); }
    const Bytes& bytes() const { return m_b; }
    operator const Bytes&() const { return m_b; }

private:
    Bytes m_b;
};

}  // namespace mail::dns::testing
