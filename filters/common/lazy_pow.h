// lazy_pow.h — pow() from libm, loaded on first use.
//
// procmail's weighted size conditions (`* 2^0.5 > 10000`) score with
// pow(), and nothing else in the filters needs libm.  A filter starts once
// per message, and loading libm.so.6 at every start costs more than the
// rest of the dynamic loader's work for the program (bench/bench_procmail.sh;
// docs/benchmarks.md), so the filters do not link it: the first weighted
// size condition dlopen()s it.  Using libm's own pow keeps scores
// bit-identical with procmail's.
#pragma once

#include <optional>

namespace mail::filters {

// x raised to y, as libm's pow(); nullopt when libm cannot be loaded.
std::optional<double> lazy_pow(double x, double y);

}  // namespace mail::filters
