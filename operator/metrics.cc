#include "operator/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>

namespace sealsync::op {
namespace {

enum class Kind { kCounter, kGauge, kHistogram };

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "sealsync: metrics: %s\n", message.c_str());
  std::abort();
}

bool IsNameStart(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (allow_colon && c == ':');
}

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; no ':' in label names.
bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty() || !IsNameStart(name[0], allow_colon)) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return IsNameStart(c, allow_colon) || (c >= '0' && c <= '9');
  });
}

// Go's strconv.FormatFloat(v, 'g', -1, 64) as the Prometheus clients print:
// shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

// Label values escape backslash, double quote and newline.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

// HELP text escapes backslash and newline only.
void AppendHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Appends `name``suffix`{l1="v1",...,le="x"} value\n; no braces if there are
// no labels.
void AppendSample(std::string& out, const std::string& name,
                  std::string_view suffix,
                  const std::vector<std::string>& label_names,
                  const LabelValues& values, const std::string* le,
                  double value) {
  out += name;
  out += suffix;
  if (!label_names.empty() || le != nullptr) {
    out += '{';
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out += ',';
      out += label_names[i];
      out += "=\"";
      AppendLabelValue(out, values[i]);
      out += '"';
    }
    if (le != nullptr) {
      if (!label_names.empty()) out += ',';
      out += "le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

// What every kind of metric shares: identity, HELP/TYPE lines, the lock.
class Metric {
 public:
  Metric(std::string name, std::string help, Kind kind,
         std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        kind_(kind),
        label_names_(std::move(label_names)) {}
  virtual ~Metric() = default;

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  void Render(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    AppendHelp(out, help_);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += KindName(kind_);
    out += '\n';
    std::lock_guard lock(mu_);
    RenderSeriesLocked(out);
  }

 protected:
  bool Fits(const LabelValues& labels) const {
    return labels.size() == label_names_.size();
  }
  virtual void RenderSeriesLocked(std::string& out) const = 0;

  const std::string name_;
  const std::string help_;
  const Kind kind_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

// A counter or gauge: one double per series.
class ScalarMetric : public Metric {
 public:
  ScalarMetric(std::string name, std::string help, Kind kind,
               std::vector<std::string> label_names)
      : Metric(std::move(name), std::move(help), kind, std::move(label_names)) {
    if (label_names_.empty()) values_[{}] = 0;
  }

 protected:
  void AddValue(const LabelValues& labels, double v) {
    if (!Fits(labels)) return;
    std::lock_guard lock(mu_);
    values_[labels] += v;
  }
  void StoreValue(const LabelValues& labels, double v) {
    if (!Fits(labels)) return;
    std::lock_guard lock(mu_);
    values_[labels] = v;
  }
  double LoadValue(const LabelValues& labels) const {
    std::lock_guard lock(mu_);
    auto it = values_.find(labels);
    return it == values_.end() ? 0 : it->second;
  }

 private:
  void RenderSeriesLocked(std::string& out) const override {
    for (const auto& [labels, value] : values_) {
      AppendSample(out, name_, "", label_names_, labels, nullptr, value);
    }
  }

  std::map<LabelValues, double> values_;
};

class CounterImpl final : public Counter, public ScalarMetric {
 public:
  CounterImpl(std::string name, std::string help,
              std::vector<std::string> label_names)
      : ScalarMetric(std::move(name), std::move(help), Kind::kCounter,
                     std::move(label_names)) {}

  void Inc(const LabelValues& labels, double v) override {
    if (!(v >= 0)) return;  // counters never go down; also rejects NaN
    AddValue(labels, v);
  }
  double Value(const LabelValues& labels) const override {
    return LoadValue(labels);
  }
};

class GaugeImpl final : public Gauge, public ScalarMetric {
 public:
  GaugeImpl(std::string name, std::string help,
            std::vector<std::string> label_names)
      : ScalarMetric(std::move(name), std::move(help), Kind::kGauge,
                     std::move(label_names)) {}

  void Set(double v, const LabelValues& labels) override {
    StoreValue(labels, v);
  }
  double Value(const LabelValues& labels) const override {
    return LoadValue(labels);
  }
};

class HistogramImpl final : public Histogram, public Metric {
 public:
  // `bounds` sorted, unique, finite.
  HistogramImpl(std::string name, std::string help, std::vector<double> bounds,
                std::vector<std::string> label_names)
      : Metric(std::move(name), std::move(help), Kind::kHistogram,
               std::move(label_names)),
        bounds_(std::move(bounds)) {
    for (double b : bounds_) bound_labels_.push_back(FormatValue(b));
    if (label_names_.empty()) SeriesLocked({});
  }

  void Observe(double v, const LabelValues& labels) override {
    if (!Fits(labels)) return;
    // Index of the first bound >= v; bounds_.size() is the +Inf bucket.
    size_t i = std::isnan(v)
                   ? bounds_.size()
                   : std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                         bounds_.begin();
    std::lock_guard lock(mu_);
    Series& s = SeriesLocked(labels);
    ++s.buckets[i];
    ++s.count;
    s.sum += v;
  }

  uint64_t Count(const LabelValues& labels) const override {
    std::lock_guard lock(mu_);
    auto it = series_.find(labels);
    return it == series_.end() ? 0 : it->second.count;
  }

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // per bucket, not cumulative; last is +Inf
    uint64_t count = 0;
    double sum = 0;
  };

  Series& SeriesLocked(const LabelValues& labels) {
    Series& s = series_[labels];
    if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
    return s;
  }

  void RenderSeriesLocked(std::string& out) const override {
    static const std::string kInf = "+Inf";
    for (const auto& [labels, s] : series_) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += s.buckets[i];
        const std::string& le = i < bounds_.size() ? bound_labels_[i] : kInf;
        AppendSample(out, name_, "_bucket", label_names_, labels, &le,
                     static_cast<double>(cumulative));
      }
      AppendSample(out, name_, "_sum", label_names_, labels, nullptr, s.sum);
      AppendSample(out, name_, "_count", label_names_, labels, nullptr,
                   static_cast<double>(s.count));
    }
  }

  const std::vector<double> bounds_;
  std::vector<std::string> bound_labels_;
  std::map<LabelValues, Series> series_;
};

void CheckNames(const std::string& name,
                const std::vector<std::string>& label_names, Kind kind) {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    Die("invalid metric name \"" + name + "\"");
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!IsValidName(l, /*allow_colon=*/false) || l.starts_with("__")) {
      Die("metric " + name + ": invalid label name \"" + l + "\"");
    }
    if (kind == Kind::kHistogram && l == "le") {
      Die("histogram " + name + ": label name \"le\" is reserved");
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == l) {
        Die("metric " + name + ": duplicate label name \"" + l + "\"");
      }
    }
  }
}

}  // namespace

struct Registry::Impl {
  mutable std::mutex mu;
  std::map<std::string, std::unique_ptr<Metric>> metrics;  // sorted by name

  // Returns the metric registered as `name`, checking that it is of `kind`
  // with `label_names`, or nullptr if there is none. Requires mu.
  Metric* FindLocked(const std::string& name, Kind kind,
                     const std::vector<std::string>& label_names) {
    auto it = metrics.find(name);
    if (it == metrics.end()) return nullptr;
    Metric& m = *it->second;
    if (m.kind() != kind || m.label_names() != label_names) {
      Die("metric " + name + " registered twice with different kind or labels");
    }
    return &m;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Counter& Registry::AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names) {
  CheckNames(name, label_names, Kind::kCounter);
  std::lock_guard lock(impl_->mu);
  if (Metric* m = impl_->FindLocked(name, Kind::kCounter, label_names)) {
    return static_cast<CounterImpl&>(*m);
  }
  auto owned =
      std::make_unique<CounterImpl>(name, help, std::move(label_names));
  CounterImpl& ref = *owned;
  impl_->metrics.emplace(name, std::move(owned));
  return ref;
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names) {
  CheckNames(name, label_names, Kind::kGauge);
  std::lock_guard lock(impl_->mu);
  if (Metric* m = impl_->FindLocked(name, Kind::kGauge, label_names)) {
    return static_cast<GaugeImpl&>(*m);
  }
  auto owned = std::make_unique<GaugeImpl>(name, help, std::move(label_names));
  GaugeImpl& ref = *owned;
  impl_->metrics.emplace(name, std::move(owned));
  return ref;
}

Histogram& Registry::AddHistogram(const std::string& name,
                                  const std::string& help,
                                  std::vector<double> buckets,
                                  std::vector<std::string> label_names) {
  CheckNames(name, label_names, Kind::kHistogram);
  std::erase_if(buckets,
                [](double b) { return std::isnan(b) || b == INFINITY; });
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());

  std::lock_guard lock(impl_->mu);
  if (Metric* m = impl_->FindLocked(name, Kind::kHistogram, label_names)) {
    return static_cast<HistogramImpl&>(*m);
  }
  auto owned = std::make_unique<HistogramImpl>(name, help, std::move(buckets),
                                               std::move(label_names));
  HistogramImpl& ref = *owned;
  impl_->metrics.emplace(name, std::move(owned));
  return ref;
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [name, metric] : impl_->metrics) metric->Render(out);
  return out;
}

}  // namespace sealsync::op
