// content_type.h — Content-Type, Content-Disposition and
// Content-Transfer-Encoding field values.
//
// The first two have the shape `token [/ token] *(; attribute=value)`.  Parsing
// never fails; what cannot be understood falls back to the RFC 2045
// defaults, and parameters are kept as far as they can be read.
//
// Rules:
//   - type, subtype and parameter names are lower-cased; values are kept as
//     written, quotes and backslash escapes removed;
//   - comments "(…)" (nested, with \-escapes) are skipped wherever white
//     space may appear;
//   - a missing or unreadable type/subtype gives text/plain (RFC 2045 §5.2);
//     the parameters that could be read are kept (so a charset survives);
//   - an unquoted value that runs into text other than ';', a comment or
//     another "attribute=" ("name=my file.txt") extends to the next ';';
//     a missing ';' between parameters ("a=1 b=2") is tolerated;
//   - RFC 2231: "name*=charset'lang'%XX…" is percent-decoded and converted
//     to UTF-8; continuations "name*0", "name*1*", … are joined in numeric
//     order (at most 10000 segments); when both "name" and "name*…" are
//     present the RFC 2231 form wins;
//   - a repeated parameter: the first one wins.
//
// SECURITY: values are untrusted; parsing is linear (plus sorting the
// continuation segments) and allocation is bounded by the input size.
//
// STANDARDS: RFC 2045 §5 (Content-Type syntax and defaults), §6.1 (CTE), RFC 2046 §5.1.5
// (multipart/digest default), RFC 2183 (Content-Disposition), RFC 2231
// (parameter value continuations, charsets and languages), RFC 5322 §3.2.2
// (comments).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mail::mime {

struct Param {
    std::string name;   // lower case, without "*" or "*N" suffixes
    std::string value;  // unquoted; UTF-8 if it was RFC 2231 encoded, else raw bytes
};

using Params = std::vector<Param>;

// The first parameter called `name` (lower case), or nullptr.
const Param* find_param(const Params& params, std::string_view name);

struct ContentType {
    std::string type = "text";    // lower case
    std::string subtype = "plain";
    Params params;
    bool defaulted = true;        // false: type/subtype came from the field

    std::string mime_type() const { return type + "/" + subtype; }
    // The parameter's value, or "" when absent.
    std::string param(std::string_view name) const;
    // The charset parameter, "us-ascii" when absent (RFC 2045 §5.2).
    std::string charset() const;
    bool is_multipart() const { return type == "multipart"; }
    // message/rfc822 and message/global (RFC 6532 §3.7): an embedded message.
    bool is_message() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
};

// Parses a Content-Type value (unfolded or not).
ContentType parse_content_type(std::string_view value);

// The type of a part without a Content-Type field: text/plain;
// charset=us-ascii, or message/rfc822 inside multipart/digest (RFC 2046
// §5.1.5).
ContentType default_content_type(bool in_digest);

struct ContentDisposition {
    std::string kind;  // "inline", "attachment", … lower case; "" if absent or unreadable
    Params params;

    std::string param(std::string_view name) const;
    bool is_attachment() const { return kind == "attachment"; }
};

ContentDisposition parse_content_disposition(std::string_view value);

// Content-Transfer-Encoding (RFC 2045 §6.1).  A missing or empty field is
// 7bit; names are case-insensitive; anything unknown ("x-uuencode") is
// Other, which RFC 2045 §6.4 says to treat as application/octet-stream.
enum class Encoding { SevenBit, EightBit, Binary, QuotedPrintable, Base64, Other };

Encoding parse_encoding(std::string_view value);
// "7bit", "8bit", "binary", "quoted-printable", "base64"; "unknown" for Other.
std::string_view encoding_name(Encoding e);

// Parses "; a=b; c*=utf-8''x" (everything after the type) into parameters
// with the rules above.  Exposed for tests and for other structured fields.
Params parse_params(std::string_view text);

}  // namespace mail::mime
