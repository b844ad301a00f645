// lazy_pow.cpp — see lazy_pow.h.
#include "filters/common/lazy_pow.h"

#include <dlfcn.h>

namespace mail::filters {

namespace {

using PowFn = double (*)(double, double);

PowFn load_pow() {
    // RTLD_NOLOAD first: a sanitizer or test build may have libm already.
    void* lib = ::dlopen("libm.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (!lib) lib = ::dlopen("libm.so.6", RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return nullptr;
    return reinterpret_cast<PowFn>(::dlsym(lib, "pow"));
}

}  // namespace

std::optional<double> lazy_pow(double x, double y) {
    static const PowFn fn = load_pow();  // the library stays loaded
    if (!fn) return std::nullopt;
    return fn(x, y);
}

}  // namespace mail::filters
