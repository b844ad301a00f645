// result.h — expected values for mailroom (g++ 12 has no std::expected in C++20).
//
// A Result<T> holds either a T or an Error.  An Error carries a message for a
// human and a <sysexits.h> code saying what kind of failure it is, so the
// program that finally reports it can exit with the classic status without
// re-deciding (style.md §6, §7).  Result<void> is spelled Status.
//
// Contract: value() on an error and error() on a value are broken invariants
// and abort; callers test ok() (or operator bool) first.
#pragma once

#include <sysexits.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace mail {

struct Error {
    std::string message;
    int exit_code = EX_SOFTWARE;  // a <sysexits.h> value
};

inline Error make_error(int exit_code, std::string message) {
    return Error{std::move(message), exit_code};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { check(true); return std::get<0>(m_v); }
    const T& value() const& { check(true); return std::get<0>(m_v); }
    T&& value() && { check(true); return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { check(false); return std::get<1>(m_v); }

private:
    void check(bool want_value) const {
        if (ok() != want_value) std::abort();  // broken invariant, not bad input
    }
    std::variant<T, Error> m_v;
};

// Result<void>: success, or an Error.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        if (!m_failed) std::abort();
        return m_error;
    }

private:
    Error m_error;
    bool m_failed = false;
};

}  // namespace mail
