#include "common.h"

#include <cmath>

namespace yolo_native {

Napi::Value guarded(const Napi::Env& env, const std::function<Napi::Value()>& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown native error");
  }
}

void throwTypeError(const Napi::Env& env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

void throwError(const Napi::Env& env, const std::string& message) {
  throw Napi::Error::New(env, message);
}

int64_t toInt64(const Napi::Env& env, const Napi::Value& value, const char* what) {
  if (value.IsBigInt()) {
    bool lossless = true;
    int64_t v = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throwTypeError(env, std::string(what) + ": bigint does not fit in int64");
    return v;
  }
  if (!value.IsNumber()) throwTypeError(env, std::string(what) + ": expected an integer");
  double d = value.As<Napi::Number>().DoubleValue();
  // Range check first: casting a NaN, an infinity or a huge double to int64 is undefined.
  if (!std::isfinite(d) || std::fabs(d) > 9.2e18 || d != std::trunc(d))
    throwTypeError(env, std::string(what) + ": expected an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

}  // namespace yolo_native
