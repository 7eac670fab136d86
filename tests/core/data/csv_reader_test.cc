// Tests for load_csv: small CSV files in a temp directory, header detection,
// label columns, regression targets, and every error path.
#include "core/data/csv_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "tests/core/data/expect_error.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

TEST(CsvReader, ReadsLabelFirstWithoutHeader) {
  TempDir dir("csv");
  auto data = load_csv(dir.write("a.csv", "1,0.5,2\n0,-1,3e2\n3,4,5\n"));
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->size(), 3u);
  EXPECT_EQ(data->num_features, 2u);
  EXPECT_EQ(data->num_classes, 4u);
  EXPECT_EQ(data->labels, (std::vector<int32_t>{1, 0, 3}));
  EXPECT_EQ(data->features, (std::vector<float>{0.5f, 2, -1, 300, 4, 5}));
  EXPECT_TRUE(data->targets.empty());
}

TEST(CsvReader, SkipsANonNumericHeader) {
  TempDir dir("csv");
  auto data = load_csv(dir.write("h.csv", "label,x1,x2\n2,1,1\n0,2,2\n"));
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->size(), 2u);
  EXPECT_EQ(data->labels, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(data->num_classes, 3u);

  // A numeric first line is data, not a header.
  auto numeric = load_csv(dir.write("n.csv", "0,1,2\n1,3,4\n"));
  ASSERT_TRUE(numeric.is_ok()) << numeric.status().message();
  EXPECT_EQ(numeric->size(), 2u);

  // A non-numeric first field later on is an error, not a second header.
  expect_error(load_csv(dir.write("late.csv", "0,1,2\nlabel,x1,x2\n")),
               StatusCode::kInvalidArgument, "line 2");
}

TEST(CsvReader, LabelColumnFromTheEndOrMiddle) {
  TempDir dir("csv");
  const std::string path = dir.write("c.csv", "1,2,0\n3,4,1\n");
  CsvOptions last;
  last.label_column = -1;
  auto data = load_csv(path, last);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->labels, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(data->features, (std::vector<float>{1, 2, 3, 4}));

  CsvOptions middle;
  middle.label_column = 1;
  auto mid = load_csv(path, middle);
  ASSERT_TRUE(mid.is_ok()) << mid.status().message();
  EXPECT_EQ(mid->labels, (std::vector<int32_t>{2, 4}));
  EXPECT_EQ(mid->features, (std::vector<float>{1, 0, 3, 1}));

  CsvOptions minus_three;
  minus_three.label_column = -3;  // the first column
  auto first = load_csv(path, minus_three);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(first->labels, (std::vector<int32_t>{1, 3}));
}

TEST(CsvReader, LabelColumnOutsideTheRowIsInvalid) {
  TempDir dir("csv");
  const std::string path = dir.write("c.csv", "1,2,0\n");
  CsvOptions too_far;
  too_far.label_column = 3;
  expect_error(load_csv(path, too_far), StatusCode::kInvalidArgument, "label_column 3");
  CsvOptions too_negative;
  too_negative.label_column = -4;
  expect_error(load_csv(path, too_negative), StatusCode::kInvalidArgument, "-3..2");
}

TEST(CsvReader, RegressionTargets) {
  TempDir dir("csv");
  CsvOptions options;
  options.regression = true;
  options.label_column = -1;
  auto data = load_csv(dir.write("r.csv", "a,b,y\n1,2,-0.25\n3,4,1e3\n"), options);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->num_classes, 0u);
  EXPECT_TRUE(data->labels.empty());
  EXPECT_EQ(data->targets, (std::vector<float>{-0.25f, 1000.0f}));
  EXPECT_EQ(data->features, (std::vector<float>{1, 2, 3, 4}));

  expect_error(load_csv(dir.write("bad.csv", "1,2,abc\n"), options), StatusCode::kInvalidArgument,
               "line 1");
}

TEST(CsvReader, ScaleAppliesToFeaturesOnly) {
  TempDir dir("csv");
  CsvOptions options;
  options.scale = 0.5f;
  auto data = load_csv(dir.write("s.csv", "3,2,4\n"), options);
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->labels, (std::vector<int32_t>{3}));
  EXPECT_EQ(data->features, (std::vector<float>{1, 2}));
}

TEST(CsvReader, CrLfEmptyLinesSpacesAndNoFinalNewline) {
  TempDir dir("csv");
  auto data = load_csv(dir.write("w.csv", "\r\nlabel, a ,b\r\n\r\n 1 , 2.5,+3\r\n\n0,4,5"));
  ASSERT_TRUE(data.is_ok()) << data.status().message();
  EXPECT_EQ(data->labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(data->features, (std::vector<float>{2.5f, 3, 4, 5}));
}

TEST(CsvReader, RaggedRowNamesTheLine) {
  TempDir dir("csv");
  // Line 4 (counting the empty line 3) has one field too many.
  expect_error(load_csv(dir.write("r.csv", "a,b,c\n0,1,2\n\n1,2,3,4\n")),
               StatusCode::kInvalidArgument, "line 4: 4 fields, but line 1 has 3");
  expect_error(load_csv(dir.write("short.csv", "0,1,2\n1,2\n")), StatusCode::kInvalidArgument,
               "line 2");
}

// A CSV file that load_csv must refuse as kInvalidArgument with `needle` in the message.
struct BadCsv {
  const char* name;
  const char* text;
  const char* needle;
};

void expect_refused(const TempDir& dir, std::initializer_list<BadCsv> files) {
  for (const BadCsv& file : files) {
    expect_error(load_csv(dir.write(file.name, file.text)), StatusCode::kInvalidArgument,
                 file.needle);
  }
}

TEST(CsvReader, BadLabelsAreRefused) {
  TempDir dir("csv");
  expect_refused(dir, {{"neg.csv", "0,1\n-1,2\n", "line 2: label '-1'"},
                       {"frac.csv", "1.5,1\n", "label '1.5'"},
                       {"big.csv", "70000,1\n", "0..65535"},
                       {"empty.csv", "0,1\n,2\n", "line 2"}});
}

TEST(CsvReader, BadFeaturesAreRefused) {
  TempDir dir("csv");
  expect_refused(dir, {{"word.csv", "0,1\n1,two\n", "line 2 field 2: 'two'"},
                       {"nan.csv", "0,nan\n", "not a finite number"},
                       {"blank.csv", "0,1,\n", "field 3"},
                       {"junk.csv", "0,1.5x\n", "'1.5x'"}});
}

TEST(CsvReader, NeedsDataAndTwoColumns) {
  TempDir dir("csv");
  expect_error(load_csv(dir.write("empty.csv", "")), StatusCode::kInvalidArgument, "no data rows");
  expect_error(load_csv(dir.write("header.csv", "label,x\n\n")), StatusCode::kInvalidArgument,
               "no data rows");
  expect_error(load_csv(dir.write("one.csv", "1\n2\n")), StatusCode::kInvalidArgument,
               "at least one feature");
}

TEST(CsvReader, MissingFileIsNotFound) {
  TempDir dir("csv");
  expect_error(load_csv(dir.file("absent.csv")), StatusCode::kNotFound, "absent.csv");
  expect_error(load_csv(""), StatusCode::kInvalidArgument, "empty");
}

}  // namespace
}  // namespace fedgate
