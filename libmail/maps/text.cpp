// text.cpp — map source parsing and the makemap(8) driver.
//
// Messages follow sendmail's makemap ("makemap: NAME: line N: no RHS for
// LHS key", "…: key K: duplicate key") so scripts that grep them still work.
#include "libmail/maps/text.h"

#include <fmt/format.h>

#include <set>

namespace mail::maps {
namespace {

bool is_sep(char c, char sep) { return sep == '\0' ? (c == ' ' || c == '\t') : c == sep; }

std::string fold_key(const std::string& k, bool fold) {
    if (!fold) return k;
    std::string out = k;
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

ParsedText parse_text(std::string_view text, const std::string& source, const TextOptions& o) {
    ParsedText out;
    int lineno = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF sources
        if (line.empty() || line.front() == o.comment) continue;
        if (o.separator == '\0' && (line.front() == ' ' || line.front() == '\t')) {
            out.errors.push_back({lineno, "syntax error (leading space)"});
            continue;
        }
        size_t k = 0;
        while (k < line.size() && !is_sep(line[k], o.separator)) ++k;
        size_t v = k;
        while (v < line.size() && is_sep(line[v], o.separator)) ++v;
        std::string key(line.substr(0, k));
        if (v >= line.size() && !o.allow_empty) {
            out.errors.push_back({lineno, fmt::format("no RHS for LHS {}", key)});
            continue;
        }
        out.records.push_back(Record{std::move(key), std::string(line.substr(v)), source, lineno});
    }
    return out;
}

namespace {

MakemapResult dump_map(const MakemapArgs& a, const std::string& path) {
    MakemapResult r;
    auto map = Map::open(path);
    if (!map) {
        r.err = fmt::format("{}: error opening type {} map {}: {}\n", a.program, a.type, a.name, map.error().message);
        r.exit_code = EX_NOINPUT;
        return r;
    }
    auto records = map->dump();
    if (!records) {
        r.err = fmt::format("{}: cannot read type {} map {}: {}\n", a.program, a.type, a.name, records.error().message);
        r.exit_code = EX_SOFTWARE;
        return r;
    }
    char sep = a.separator != '\0' ? a.separator : '\t';
    for (const Record& rec : *records) {
        r.out += rec.key;
        r.out += sep;
        r.out += rec.value;
        r.out += '\n';
    }
    return r;
}

}  // namespace

MakemapResult run_makemap(const MakemapArgs& a, std::string_view input) {
    MakemapResult r;
    if (a.list_types) {
        for (const auto& t : known_types()) r.out += t + "\n";
        return r;
    }
    if (!known_type(a.type)) {
        r.err = fmt::format("{}: unknown database type {} (makemap -l lists the types)\n", a.program, a.type);
        r.exit_code = EX_USAGE;
        return r;
    }
    const std::string path = db_file_name(a.name);
    if (a.dump) return dump_map(a, path);

    ParsedText parsed = parse_text(input, a.name, TextOptions{a.separator, a.comment, a.allow_empty});
    std::vector<Record> records;
    if (a.append) {
        if (auto old = Map::open(path); old) {
            if (auto rows = old->dump(); rows) records = std::move(*rows);
        }
    }
    for (const LineError& e : parsed.errors) r.err += fmt::format("{}: {}: line {}: {}\n", a.program, a.name, e.line, e.text);
    if (!parsed.errors.empty()) r.exit_code = EX_DATAERR;

    // Report every duplicate (sendmail keeps the first and goes on), then
    // build from what is left.
    std::set<std::string> seen;
    for (const Record& old : records) seen.insert(fold_key(old.key, a.fold_case));
    for (Record& rec : parsed.records) {
        if (a.verbose) r.out += fmt::format("key=`{}', val=`{}'\n", fold_key(rec.key, a.fold_case), rec.value);
        bool fresh = seen.insert(fold_key(rec.key, a.fold_case)).second;
        if (!fresh && !a.allow_duplicates && !a.replace) {
            r.err += fmt::format("{}: {}: line {}: key {}: duplicate key\n", a.program, a.name, rec.line,
                                 fold_key(rec.key, a.fold_case));
            r.exit_code = EX_DATAERR;
            continue;
        }
        records.push_back(std::move(rec));
    }

    BuildOptions bo;
    bo.fold_case = a.fold_case;
    bo.duplicates = a.replace ? Duplicates::Replace : Duplicates::KeepFirst;
    bo.type = a.type;
    auto built = build(path, records, bo);
    if (!built) {
        r.err += fmt::format("{}: error opening type {} map {}: {}\n", a.program, a.type, a.name, built.error().message);
        r.exit_code = built.error().exit_code == EX_DATAERR ? EX_DATAERR : EX_CANTCREAT;
    }
    return r;
}

}  // namespace mail::maps
