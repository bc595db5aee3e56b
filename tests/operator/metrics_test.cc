// Registry: exact text exposition (0.0.4) and thread-safe recording.
#include "operator/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace sealsync::op {
namespace {

TEST(Metrics, RendersGoldenText) {
  Registry r;
  // Registered out of order: output is sorted by name.
  Counter& requests = r.AddCounter("sealsync_requests_total",
                                   "Requests served.", {"code", "path"});
  Gauge& up = r.AddGauge("sealsync_up", "1 if the operator is up.");
  r.AddGauge("sealsync_queue_depth", "Keys waiting.", {"queue"});
  Histogram& latency = r.AddHistogram("sealsync_latency_seconds",
                                      "Reconcile latency.\nIn \\seconds\\.",
                                      {1, 0.1, 0.5}, {"op"});

  requests.Inc({"500", "quote\" back\\ nl\n"});
  requests.Inc({"200", "/a"});
  requests.Inc({"200", "/a"}, 2);
  up.Set(1);
  for (double v : {0.0625, 0.25, 0.5, 3.0}) latency.Observe(v, {"get"});
  latency.Observe(2, {"apply"});

  const char* want =
      R"(# HELP sealsync_latency_seconds Reconcile latency.\nIn \\seconds\\.
# TYPE sealsync_latency_seconds histogram
sealsync_latency_seconds_bucket{op="apply",le="0.1"} 0
sealsync_latency_seconds_bucket{op="apply",le="0.5"} 0
sealsync_latency_seconds_bucket{op="apply",le="1"} 0
sealsync_latency_seconds_bucket{op="apply",le="+Inf"} 1
sealsync_latency_seconds_sum{op="apply"} 2
sealsync_latency_seconds_count{op="apply"} 1
sealsync_latency_seconds_bucket{op="get",le="0.1"} 1
sealsync_latency_seconds_bucket{op="get",le="0.5"} 3
sealsync_latency_seconds_bucket{op="get",le="1"} 3
sealsync_latency_seconds_bucket{op="get",le="+Inf"} 4
sealsync_latency_seconds_sum{op="get"} 3.8125
sealsync_latency_seconds_count{op="get"} 4
# HELP sealsync_queue_depth Keys waiting.
# TYPE sealsync_queue_depth gauge
# HELP sealsync_requests_total Requests served.
# TYPE sealsync_requests_total counter
sealsync_requests_total{code="200",path="/a"} 3
sealsync_requests_total{code="500",path="quote\" back\\ nl\n"} 1
# HELP sealsync_up 1 if the operator is up.
# TYPE sealsync_up gauge
sealsync_up 1
)";
  EXPECT_EQ(r.Render(), want);
}

TEST(Metrics, UnlabelledMetricsRenderZeroBeforeFirstUse) {
  Registry r;
  r.AddCounter("c_total", "C.");
  r.AddHistogram("h", "H.", {1});
  EXPECT_EQ(r.Render(), R"(# HELP c_total C.
# TYPE c_total counter
c_total 0
# HELP h H.
# TYPE h histogram
h_bucket{le="1"} 0
h_bucket{le="+Inf"} 0
h_sum 0
h_count 0
)");
}

TEST(Metrics, FormatsValuesLikePrometheusClients) {
  Registry r;
  Gauge& g = r.AddGauge("g", "G.", {"k"});
  g.Set(0.5, {"a"});
  g.Set(-2, {"b"});
  g.Set(INFINITY, {"c"});
  g.Set(-INFINITY, {"d"});
  g.Set(NAN, {"e"});
  g.Set(1e21, {"f"});
  EXPECT_EQ(r.Render(), R"(# HELP g G.
# TYPE g gauge
g{k="a"} 0.5
g{k="b"} -2
g{k="c"} +Inf
g{k="d"} -Inf
g{k="e"} NaN
g{k="f"} 1e+21
)");
}

TEST(Metrics, HistogramBucketsAreSortedDedupedAndBoundsInclusive) {
  Registry r;
  Histogram& h = r.AddHistogram("h", "H.", {2, 1, 2, INFINITY, NAN});
  h.Observe(1);  // le="1" is inclusive
  h.Observe(NAN);
  EXPECT_EQ(h.Count(), 2u);
  EXPECT_EQ(r.Render(), R"(# HELP h H.
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="2"} 1
h_bucket{le="+Inf"} 2
h_sum NaN
h_count 2
)");
}

TEST(Metrics, CounterIgnoresNegativeAndMismatchedLabels) {
  Registry r;
  Counter& c = r.AddCounter("c_total", "C.", {"a", "b"});
  c.Inc({"x", "y"}, 2);
  c.Inc({"x", "y"}, -1);
  c.Inc({"x"});            // wrong arity: dropped, no crash
  c.Inc({"x", "y", "z"});  // likewise
  EXPECT_EQ(c.Value({"x", "y"}), 2);
  EXPECT_EQ(c.Value({"x"}), 0);
  EXPECT_EQ(c.Value({"q", "r"}), 0);
  EXPECT_EQ(r.Render(), R"(# HELP c_total C.
# TYPE c_total counter
c_total{a="x",b="y"} 2
)");
}

TEST(Metrics, ReRegisteringReturnsTheSameMetric) {
  Registry r;
  Counter& a = r.AddCounter("c_total", "C.", {"k"});
  Counter& b = r.AddCounter("c_total", "C.", {"k"});
  EXPECT_EQ(&a, &b);
  a.Inc({"v"});
  EXPECT_EQ(b.Value({"v"}), 1);
}

TEST(MetricsDeathTest, ConflictingOrInvalidRegistrationAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("x_total", "X.");
        r.AddGauge("x_total", "X.");
      },
      "registered twice");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("bad-name", "X.");
      },
      "invalid metric name");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddHistogram("h", "X.", {1}, {"le"});
      },
      "reserved");
}

TEST(Metrics, ConcurrentRecordingLosesNothing) {
  Registry r;
  Counter& c = r.AddCounter("c_total", "C.", {"worker"});
  Counter& shared = r.AddCounter("shared_total", "S.");
  Gauge& g = r.AddGauge("g", "G.", {"worker"});
  Histogram& h = r.AddHistogram("h", "H.", {0.5}, {"kind"});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string me = std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        shared.Inc();
        c.Inc({me});
        g.Set(i, {me});
        h.Observe(i % 2, {"all"});
        if (i % 1000 == 0) (void)r.Render();  // rendering while recording
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(shared.Value(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(c.Value({std::to_string(t)}), kPerThread);
    EXPECT_EQ(g.Value({std::to_string(t)}), kPerThread - 1);
  }
  EXPECT_EQ(h.Count({"all"}), uint64_t{kThreads * kPerThread});
  std::string text = r.Render();
  EXPECT_NE(text.find("h_bucket{kind=\"all\",le=\"0.5\"} 80000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("h_sum{kind=\"all\"} 80000\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace sealsync::op
