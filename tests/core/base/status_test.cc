#include "core/base/status.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace fedgate {
namespace {

Status fails_with(int value) {
  return Status::error(StatusCode::kOutOfRange, "value %d is out of range", value);
}

Status tries(int value) {
  FG_TRY(value < 0 ? fails_with(value) : Status::ok());
  return Status::error(StatusCode::kInternal, "reached the end");
}

Result<int> half(int value) {
  if (value % 2 != 0) return Status::error(StatusCode::kInvalidArgument, "%d is odd", value);
  return value / 2;
}

Status quarter(int value, int* out) {
  FG_ASSIGN_OR_RETURN(int h, half(value));
  FG_ASSIGN_OR_RETURN(*out, half(h));
  return Status::ok();
}

TEST(Status, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.is_ok());
  EXPECT_STREQ(status.message(), "");
}

TEST(Status, ErrorFormatsMessage) {
  Status status = fails_with(7);
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_STREQ(status.message(), "value 7 is out of range");
}

TEST(Status, ErrorWithOkCodeBecomesInternal) {
  EXPECT_EQ(Status::error(StatusCode::kOk, "x").code(), StatusCode::kInternal);
}

TEST(Status, LongMessageIsTruncatedNotOverrun) {
  std::string long_text(Status::kMessageCapacity + 100, 'x');
  Status status = Status::error(StatusCode::kDataLoss, "%s", long_text.c_str());
  EXPECT_EQ(std::strlen(status.message()), Status::kMessageCapacity - 1);
}

TEST(Status, TryReturnsEarlyOnError) {
  EXPECT_EQ(tries(-3).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(tries(3).code(), StatusCode::kInternal);
}

TEST(Result, CarriesValueOrStatus) {
  int out = 0;
  EXPECT_TRUE(quarter(12, &out).is_ok());
  EXPECT_EQ(out, 3);
  Status odd = quarter(6, &out);
  EXPECT_EQ(odd.code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(odd.message(), "3 is odd");
}

}  // namespace
}  // namespace fedgate
