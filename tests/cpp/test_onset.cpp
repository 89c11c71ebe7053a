// placeholder, filled next
#include <catch2/catch.hpp>
