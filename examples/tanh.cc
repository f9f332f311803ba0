// The lecture's Tanh example: nn.Tanh on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  activa::nn::Tanh tanh;
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = tanh(x);
  std::cout << y << '\n';
}
