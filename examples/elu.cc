// The lecture's ELU example: nn.ELU(alpha=1) on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  activa::nn::ELU elu({.alpha = 1});
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = elu(x);
  std::cout << y << '\n';
}
