// The lecture's Softmax example: nn.Softmax(dim=1) on a 2x3 input.
#include <activa/activa.h>
#include <iostream>

int main() {
  activa::nn::Softmax softmax({.dim = 1});
  auto x = activa::tensor({{2.0, 1.0, 4}, {5.0, 3.0, 5.0}}, {.requires_grad = true});
  auto y = softmax(x);
  std::cout << y << '\n';
}
