// Tests of Result<T> (sealsync/error.h): the [[nodiscard]] wrapper over
// std::expected<T, Error> must behave as std::expected does, in particular
// when copied (a derived class could pick up std::expected's value
// constructor and turn an error into a value).
#include <gtest/gtest.h>

#include <expected>
#include <string>
#include <utility>

#include "sealsync/error.h"

namespace sealsync {
namespace {

Result<bool> Failed() { return MakeError(ErrorCode::kNotFound, "no such key"); }

TEST(Result, CopyingAnErrorKeepsTheError) {
  Result<bool> a = Failed();
  Result<bool> copy = a;  // non-const lvalue: the case that could go wrong
  const Result<bool>& ca = a;
  Result<bool> from_const = ca;
  Result<bool> moved = std::move(a);
  for (const Result<bool>* r : {&copy, &from_const, &moved}) {
    ASSERT_FALSE(r->has_value());
    EXPECT_EQ(r->error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(r->error().message(), "no such key");
  }
}

TEST(Result, AFalseAnswerIsAValueNotAnError) {
  Result<bool> r = false;
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
}

TEST(Result, VoidIsDoneOrAnError) {
  Result<void> done;
  EXPECT_TRUE(done.has_value());
  Result<void> failed = std::unexpected(Error(ErrorCode::kUnavailable, "503"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
}

TEST(Result, ConvertsFromAPlainExpected) {
  std::expected<std::string, Error> plain = std::string("v");
  Result<std::string> r = plain;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "v");
  std::expected<std::string, Error> bad =
      std::unexpected(Error(ErrorCode::kDataLoss, "tampered"));
  Result<std::string> e = std::move(bad);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), ErrorCode::kDataLoss);
}

TEST(Result, ConvertsBetweenValueTypes) {
  Result<int> i = 7;
  Result<long> l = i;
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(*l, 7);
  Result<int> bad = MakeError(ErrorCode::kInternal, "x");
  Result<long> lbad = bad;
  ASSERT_FALSE(lbad.has_value());
  EXPECT_EQ(lbad.error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace sealsync
