// A minimal MPFR number for correctly rounded references: the op specs'
// reference formulas are templates, and run unchanged on this type.
#pragma once

#include <mpfr.h>

#include <cmath>
#include <cstdint>

namespace activa::test {

class MpReal {
 public:
  static constexpr mpfr_prec_t kPrecision = 256;

  MpReal() { mpfr_init2(v_, kPrecision), mpfr_set_zero(v_, 1); }
  MpReal(double d) { mpfr_init2(v_, kPrecision), mpfr_set_d(v_, d, MPFR_RNDN); }  // NOLINT: implicit as a number
  MpReal(int i) { mpfr_init2(v_, kPrecision), mpfr_set_si(v_, i, MPFR_RNDN); }    // NOLINT
  MpReal(const MpReal& o) { mpfr_init2(v_, kPrecision), mpfr_set(v_, o.v_, MPFR_RNDN); }
  MpReal& operator=(const MpReal& o) {
    mpfr_set(v_, o.v_, MPFR_RNDN);
    return *this;
  }
  ~MpReal() { mpfr_clear(v_); }

  // Correctly rounded to float / double (subnormals included).
  float to_float() const {
    // Round in two steps would double-round; emulate float's exponent range instead.
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(-148);
    mpfr_set_emax(128);
    mpfr_t t;
    mpfr_init2(t, 24);
    int inex = mpfr_set(t, v_, MPFR_RNDN);
    inex = mpfr_check_range(t, inex, MPFR_RNDN);
    mpfr_subnormalize(t, inex, MPFR_RNDN);
    const float f = mpfr_get_flt(t, MPFR_RNDN);
    mpfr_clear(t);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    return f;
  }
  double to_double() const { return mpfr_get_d(v_, MPFR_RNDN); }
  template <class T>
  T to() const {
    if constexpr (sizeof(T) == 4) return to_float();
    else return to_double();
  }
  bool is_nan() const { return mpfr_nan_p(v_) != 0; }
  mpfr_srcptr get() const { return v_; }
  mpfr_ptr get() { return v_; }

  friend MpReal operator+(const MpReal& a, const MpReal& b) { return op(a, b, mpfr_add); }
  friend MpReal operator-(const MpReal& a, const MpReal& b) { return op(a, b, mpfr_sub); }
  friend MpReal operator*(const MpReal& a, const MpReal& b) { return op(a, b, mpfr_mul); }
  friend MpReal operator/(const MpReal& a, const MpReal& b) { return op(a, b, mpfr_div); }
  friend MpReal operator-(const MpReal& a) {
    MpReal r;
    mpfr_neg(r.v_, a.v_, MPFR_RNDN);
    return r;
  }
  friend bool operator>(const MpReal& a, const MpReal& b) { return mpfr_greater_p(a.v_, b.v_) != 0; }
  friend bool operator<(const MpReal& a, const MpReal& b) { return mpfr_less_p(a.v_, b.v_) != 0; }
  friend bool operator<=(const MpReal& a, const MpReal& b) { return mpfr_lessequal_p(a.v_, b.v_) != 0; }
  friend bool operator>=(const MpReal& a, const MpReal& b) { return mpfr_greaterequal_p(a.v_, b.v_) != 0; }

  friend MpReal exp(const MpReal& a) { return fn(a, mpfr_exp); }
  friend MpReal expm1(const MpReal& a) { return fn(a, mpfr_expm1); }
  friend MpReal tanh(const MpReal& a) { return fn(a, mpfr_tanh); }
  friend MpReal cosh(const MpReal& a) { return fn(a, mpfr_cosh); }
  friend MpReal log1p(const MpReal& a) { return fn(a, mpfr_log1p); }
  friend MpReal abs(const MpReal& a) { return fn(a, mpfr_abs); }

 private:
  template <class F>
  static MpReal op(const MpReal& a, const MpReal& b, F f) {
    MpReal r;
    f(r.v_, a.v_, b.v_, MPFR_RNDN);
    return r;
  }
  template <class F>
  static MpReal fn(const MpReal& a, F f) {
    MpReal r;
    f(r.v_, a.v_, MPFR_RNDN);
    return r;
  }
  mpfr_t v_;
};

// |actual - exact| in units of the last place of T at `exact` (the spacing of
// T's numbers around it, subnormal spacing below the normal range). NaN and
// infinities: 0 if they match, +inf otherwise.
template <class T>
double ulp_error(T actual, const MpReal& exact) {
  if (exact.is_nan() || std::isnan(actual)) return exact.is_nan() && std::isnan(actual) ? 0 : INFINITY;
  if (mpfr_inf_p(exact.get()) || std::isinf(actual)) {
    return (mpfr_inf_p(exact.get()) && std::isinf(actual) &&
            (mpfr_sgn(exact.get()) > 0) == (actual > 0))
               ? 0
               : INFINITY;
  }
  MpReal diff = MpReal(static_cast<double>(actual)) - exact;
  const T rounded = exact.to<T>();
  // Spacing at the exact value's binade (a power of two), or the subnormal step.
  int e = 0;
  std::frexp(std::abs(rounded) > 0 ? rounded : std::numeric_limits<T>::min(), &e);
  const double spacing = std::max(std::ldexp(1.0, e - std::numeric_limits<T>::digits),
                                  static_cast<double>(std::numeric_limits<T>::denorm_min()));
  // An exact value that rounds up to the next binade uses the smaller spacing below it.
  return std::abs(diff.to_double()) / spacing;
}

}  // namespace activa::test
