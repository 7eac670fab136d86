// expect_error: the data tests' check that loading failed with a code and a message
// naming what was wrong.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/base/status.h"

namespace fedgate {

// Asserts failure with `code` and a message containing `needle` ("" matches any message).
template <typename T>
void expect_error(const Result<T>& result, StatusCode code, const std::string& needle) {
  ASSERT_FALSE(result.is_ok()) << "expected an error containing '" << needle << "'";
  EXPECT_EQ(result.status().code(), code) << result.status().message();
  EXPECT_NE(std::string(result.status().message()).find(needle), std::string::npos)
      << "message: " << result.status().message() << "\nwanted: " << needle;
}

}  // namespace fedgate
