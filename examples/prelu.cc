// The lecture's PReLU example: nn.PReLU() (one slope, init 0.25) on [-5, 0, 5].
#include <activa/activa.h>
#include <iostream>

int main() {
  // El parámetro alfa se aprende durante el entrenamiento
  // alfa, con parámetro inicial: init=0.25 por default
  activa::nn::PReLU prelu;  // activa::nn::PReLU({.init = 0.25})
  auto x = activa::tensor({-5.0, 0, 5.0}, {.requires_grad = true});
  auto y = prelu(x);
  std::cout << y << '\n';
}
