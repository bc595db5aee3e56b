// A small Prometheus metrics registry: counters, gauges and histograms with
// label values, rendered in the Prometheus text exposition format (0.0.4).
//
// Everything here is thread-safe: each metric has its own mutex (plenty at our
// rates), the registry one more for its table of metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sealsync::op {

// Label values of one series, in the order of the label names given at
// registration. A recording whose size differs from the label names is a
// programming error; it is dropped (never a crash) and Value()/Count() of such
// a vector is 0.
using LabelValues = std::vector<std::string>;

// A Counter only goes up. Inc() with a negative or NaN `v` is ignored.
class Counter {
 public:
  virtual ~Counter() = default;
  virtual void Inc(const LabelValues& labels = {}, double v = 1) = 0;
  // The series' value; 0 for a series never recorded.
  virtual double Value(const LabelValues& labels = {}) const = 0;
};

// A Gauge holds the last value Set().
class Gauge {
 public:
  virtual ~Gauge() = default;
  virtual void Set(double v, const LabelValues& labels = {}) = 0;
  // The series' value; 0 for a series never recorded.
  virtual double Value(const LabelValues& labels = {}) const = 0;
};

// A Histogram counts observations into buckets by upper bound (`le`), and
// keeps their sum and count. A NaN observation lands in the +Inf bucket only.
class Histogram {
 public:
  virtual ~Histogram() = default;
  virtual void Observe(double v, const LabelValues& labels = {}) = 0;
  // Number of observations of the series; 0 for a series never recorded.
  virtual uint64_t Count(const LabelValues& labels = {}) const = 0;
};

// A Registry owns the metrics and renders them. Names must be valid Prometheus
// names ([a-zA-Z_:][a-zA-Z0-9_:]*, label names without ':' and not starting
// with "__"); label names are fixed at registration and every recording
// passes values in that order. Metrics live as long as the registry.
//
// Registering a name again with the same kind and label names returns the
// metric already registered. An invalid name, or a name reused with another
// kind or other label names, is a programming error: the process aborts with
// a message at start-up rather than export a broken /metrics.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& AddCounter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names = {});
  Gauge& AddGauge(const std::string& name, const std::string& help,
                  std::vector<std::string> label_names = {});
  // `buckets` are upper bounds; they are sorted and de-duplicated, NaN and
  // +Inf are dropped (+Inf is always added).
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> buckets,
                          std::vector<std::string> label_names = {});

  // The text exposition of every metric, sorted by name, each metric's series
  // sorted by label values. A metric without labels renders 0 until recorded;
  // one with labels renders only its HELP and TYPE lines until recorded.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealsync::op
