// The lecture's ReLU example: nn.ReLU on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  activa::nn::ReLU relu;
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = relu(x);
  std::cout << y << '\n';
}
