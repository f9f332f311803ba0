// The lecture's Sigmoid example: nn.Sigmoid on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  activa::nn::Sigmoid sigmoide;
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = sigmoide(x);
  std::cout << y << '\n';
}
