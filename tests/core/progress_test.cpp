#include "infofrag/core/progress.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <limits>

#include "support.hpp"

TEST_CASE("Durations render as h/m/s", "[core][progress]") {
  CHECK(infofrag::format_duration(4.4) == "4s");
  CHECK(infofrag::format_duration(65) == "1m05s");
  CHECK(infofrag::format_duration(3 * 3600 + 7 * 60 + 9) == "3h07m");
  CHECK(infofrag::format_duration(-1) == "?");
}

TEST_CASE("Progress prints a plain line per 10% when not on a terminal", "[core][progress]") {
  infofrag::test::TempDir dir;
  const std::string path = dir.path("log");
  {
    std::FILE* stream = std::fopen(path.c_str(), "w");
    {
      infofrag::Progress progress("work", 20, true, stream, /*quiet_seconds=*/0.0);
      for (int i = 0; i < 20; ++i) progress.advance();
    }
    std::fclose(stream);
  }
  const std::string log = infofrag::test::read_text(path);
  CHECK_THAT(log, Catch::Contains("work:  10% (2/20)"));
  CHECK_THAT(log, Catch::Contains("work: 100% (20/20)"));
  CHECK(std::count(log.begin(), log.end(), '\n') == 11);  // 0%..100% in steps of 10%, + first
}

TEST_CASE("Short jobs and disabled bars print nothing", "[core][progress]") {
  infofrag::test::TempDir dir;
  const std::string path = dir.path("log");
  std::FILE* stream = std::fopen(path.c_str(), "w");
  {
    // A quiet window that cannot end while the test runs, whatever the machine's load: no
    // dependence on how long the loop takes.
    const double forever = std::numeric_limits<double>::infinity();
    infofrag::Progress quick("quick", 5, true, stream, forever);
    for (int i = 0; i < 5; ++i) quick.advance();
    infofrag::Progress off("off", 5, false, stream, 0.0);
    for (int i = 0; i < 5; ++i) off.advance();
  }
  std::fclose(stream);
  CHECK(infofrag::test::read_text(path).empty());
}
