// The lecture's Leaky ReLU example: nn.LeakyReLU(negative_slope=0.3) on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  // negative_slope = alfa
  activa::nn::LeakyReLU laekyrelu({.negative_slope = 0.3});
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = laekyrelu(x);
  std::cout << y << '\n';
}
