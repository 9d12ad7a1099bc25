#include <crisiskit/alert/grade.hpp>
#include <vector>
int main() {
  const auto l = crisiskit::grade(std::vector<double>{0, 30, 95}, crisiskit::GradingPolicy());
  return l[2] == 4 ? 0 : 1;
}
