// Uses the public API the way an outside project would: tensors with autograd
// and the raw-buffer kernels.
#include <activa/activa.h>

#include <iostream>
#include <vector>

int main() {
  activa::nn::Sigmoid sigmoide;
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = sigmoide(x);
  y.sum().backward();
  std::cout << y << '\n' << x.grad() << '\n';

  std::vector<double> in = {-1, 0, 2}, out(3);
  activa::kernels::forward<activa::ops::LeakyRelu, double>(in, out, {.negative_slope = 0.5});
  std::cout << out[0] << ' ' << out[1] << ' ' << out[2] << '\n';
  std::cout << "activa " << activa::kVersion << '\n';
}
