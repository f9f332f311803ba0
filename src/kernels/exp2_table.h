// 2^(j/16) for j = 0, ..., 15 as the unevaluated sum kExp2Hi[j] + kExp2Lo[j]:
// hi the float nearest 2^(j/16), lo the float nearest the rest (60-digit
// decimal arithmetic; accuracy_test checks them against MPFR: within 2^-48
// relative). The float exponential of float_math-inl.h looks them up.
#pragma once

namespace activa::kernels::detail {

alignas(64) inline constexpr float kExp2Hi[16] = {
    0x1.000000p+0f, 0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f, 0x1.306fe0p+0f, 0x1.3dea64p+0f,
    0x1.4bfdaep+0f, 0x1.5ab07ep+0f, 0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
    0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f};
alignas(64) inline constexpr float kExp2Lo[16] = {
    0.0f,            0x1.9f3122p-25f,  -0x1.c15742p-27f, 0x1.ceac48p-25f,  0x1.4636e2p-25f,  0x1.824684p-25f,
    -0x1.593abcp-25f, -0x1.5bd5ecp-27f, 0x1.9fcef4p-26f,  -0x1.829fd0p-25f, 0x1.15506ep-27f,  0x1.51f848p-27f,
    -0x1.a94b14p-26f, -0x1.3d56b2p-27f, -0x1.822dbcp-27f, 0x1.52486cp-27f};

}  // namespace activa::kernels::detail
