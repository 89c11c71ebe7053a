// detail/expm.hpp's blockwise exponential of the augmented system (used by the exact solver and
// so by every population): Phi = exp(A dt) and Psi = int_0^dt exp(A s) ds from n x n work only.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "ketasim/detail/expm.hpp"

using ketasim::detail::Expm;

TEST_CASE("expm: Phi and Psi computed blockwise equal the augmented exponential's blocks",
          "[expm]") {
  std::mt19937 gen(11);
  std::normal_distribution<double> normal;
  const int n = GENERATE(1, 2, 5, 7, 12);
  const double scale = GENERATE(1e-4, 0.05, 1.0, 30.0);  // every Pade degree, and scaling
  const double dt = GENERATE(0.01, 1.0, 7.5);
  Eigen::MatrixXd a(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) a(i, j) = scale * normal(gen);
  Eigen::MatrixXd aug = Eigen::MatrixXd::Zero(2 * n, 2 * n), e(2 * n, 2 * n);
  aug.topLeftCorner(n, n) = a * dt;
  aug.topRightCorner(n, n) = Eigen::MatrixXd::Identity(n, n) * dt;
  Expm full, blocks;
  full.compute(aug, e);
  if (!e.allFinite()) return;  // exp overflows for the largest scale x dt: nothing to compare
  Eigen::MatrixXd phi(n, n), psi(n, n);
  blocks.compute_with_integral(a * dt, dt, phi, psi);
  INFO("n " << n << " scale " << scale << " dt " << dt);
  CHECK((phi - e.topLeftCorner(n, n)).norm() <= 1e-12 * e.topLeftCorner(n, n).norm());
  CHECK((psi - e.topRightCorner(n, n)).norm() <= 1e-12 * e.topRightCorner(n, n).norm());
}

TEST_CASE("expm: Psi is the integral of Phi (closed form for a scalar decay)", "[expm]") {
  // d/dt: x' = -k x + b  =>  Phi = exp(-k dt), Psi = (1 - exp(-k dt)) / k.
  const double k = 0.3, dt = 2.0;
  Eigen::MatrixXd a(1, 1), phi(1, 1), psi(1, 1);
  a(0, 0) = -k * dt;
  Expm e;
  e.compute_with_integral(a, dt, phi, psi);
  CHECK_THAT(phi(0, 0), Catch::Matchers::WithinRel(std::exp(-k * dt), 1e-15));
  CHECK_THAT(psi(0, 0), Catch::Matchers::WithinRel((1.0 - std::exp(-k * dt)) / k, 1e-14));
}
