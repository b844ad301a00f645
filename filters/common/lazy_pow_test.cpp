// lazy_pow_test.cpp — libm's pow, loaded on first use, gives libm's results.
#include "filters/common/lazy_pow.h"

#include <cmath>

#include <doctest/doctest.h>

using mail::filters::lazy_pow;

TEST_SUITE("lazy_pow") {
    TEST_CASE("lazy_pow: the results of libm's pow, bit for bit") {
        volatile double base = 10, half = 0.5, third = 1.0 / 3;  // volatile: no constant folding
        REQUIRE(lazy_pow(2, 10).has_value());
        CHECK(*lazy_pow(2, 10) == 1024.0);
        CHECK(*lazy_pow(base, half) == std::pow(base, half));
        CHECK(*lazy_pow(2.5, third) == std::pow(2.5, third));
        CHECK(*lazy_pow(0.02, half) == std::pow(0.02, half));
        CHECK(*lazy_pow(base, 0) == 1.0);
    }
}
