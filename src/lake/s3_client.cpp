#include "lake/s3_client.hpp"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/s3_settings.hpp"

namespace strata::lake::s3 {

namespace {

constexpr int kAttempts = 4;

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, '/' too in paths.
std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      append_hex(out, std::string_view(&c, 1), /*upper_case=*/true);
    }
  }
  return out;
}

std::string xml_decode(std::string_view text) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// The text of the first <tag>...</tag> in `xml` at or after `from`.
std::string xml_value(std::string_view xml, std::string_view tag, size_t from = 0) {
  std::string open = "<";
  open.append(tag).append(">");
  std::string close = "</";
  close.append(tag).append(">");
  const size_t start = xml.find(open, from);
  if (start == std::string_view::npos) return "";
  const size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return "";
  return xml_decode(xml.substr(start + open.size(), end - start - open.size()));
}

int64_t parse_time_ms(const std::string& text) {  // 2026-11-23T09:31:51.000Z
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

struct Response {
  int status = 0;
  std::string body;
};

struct Request {
  std::string method;
  std::string bucket;
  std::string key;
  std::map<std::string, std::string> query;
  std::string_view body;
  std::string location;  // for error messages
};

Response send_once(const Request& request, const Settings& settings) {
  const std::string endpoint =
      settings.endpoint.empty() ? "s3." + settings.region + ".amazonaws.com" : settings.endpoint;
  const std::string host = settings.path_style ? endpoint : request.bucket + "." + endpoint;
  std::string path = settings.path_style ? "/" + request.bucket : "";
  path += "/" + uri_encode(request.key, true);
  std::string query;
  for (const auto& [name, value] : request.query) {
    if (!query.empty()) query += '&';
    query += uri_encode(name, false) + "=" + uri_encode(value, false);
  }

  char date_time[17];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date_time, sizeof date_time, "%Y%m%dT%H%M%SZ", &utc);
  const std::string amz_date = date_time;
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = sha256_hex(request.body);

  httplib::Headers headers{
      {"Host", host}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", amz_date}};
  if (!settings.session_token.empty())
    headers.emplace("x-amz-security-token", settings.session_token);
  if (!settings.access_key_id.empty()) {
    // Canonical headers: lower-case names in order, as the std::multimap keeps them.
    std::string canonical_headers;
    std::string signed_headers;
    std::map<std::string, std::string> sorted;
    for (const auto& [name, value] : headers) {
      std::string lower;
      for (const char c : name) lower += static_cast<char>(std::tolower(c));
      sorted[lower] = value;
    }
    for (const auto& [name, value] : sorted) {
      canonical_headers += name + ":" + value + "\n";
      signed_headers += (signed_headers.empty() ? "" : ";") + name;
    }
    const std::string canonical_request = request.method + "\n" + path + "\n" + query + "\n" +
                                          canonical_headers + "\n" + signed_headers + "\n" +
                                          payload_hash;
    const std::string scope = date + "/" + settings.region + "/s3/aws4_request";
    const std::string string_to_sign =
        "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical_request);
    headers.emplace(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=" + settings.access_key_id + "/" + scope +
            ", SignedHeaders=" + signed_headers + ", Signature=" +
            signature_v4(settings.secret_access_key, date, settings.region, "s3", string_to_sign));
  }

  httplib::Client client((settings.use_ssl ? "https://" : "http://") + host);
  client.set_url_encode(false);
  client.set_connection_timeout(10);
  client.set_read_timeout(120);
  client.set_write_timeout(120);
  const std::string target = query.empty() ? path : path + "?" + query;
  httplib::Result result = request.method == "GET" ? client.Get(target, headers)
                           : request.method == "PUT"
                               ? client.Put(target, headers, request.body.data(),
                                            request.body.size(), "application/octet-stream")
                               : client.Delete(target, headers);
  if (!result) return {0, httplib::to_string(result.error())};
  return {result->status, std::move(result->body)};
}

Response send(const Request& request) {
  const Settings settings = settings_for(request.bucket);
  Response response;
  for (int attempt = 1;; ++attempt) {
    response = send_once(request, settings);
    const bool transient = response.status == 0 || response.status == 429 || response.status >= 500;
    if (!transient || attempt >= kAttempts) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
  return response;
}

[[noreturn]] void fail(const Request& request, const Response& response, const std::string& what) {
  std::string reason;
  if (response.status == 0) {
    reason = "no answer from the S3 endpoint (" + response.body + ")";
  } else {
    reason = "HTTP " + std::to_string(response.status);
    const std::string code = xml_value(response.body, "Code");
    if (!code.empty()) reason += " " + code;
    const std::string message = xml_value(response.body, "Message");
    if (!message.empty()) reason += ": " + message;
  }
  throw Error(ErrorKind::kStorage, "cannot " + what + " (" + reason + ")",
              Location(request.location));
}

Request object_request(std::string method, const std::string& location) {
  Request request;
  request.method = std::move(method);
  request.bucket = bucket_of(location);
  request.key = location.substr(5 + request.bucket.size() + 1);
  request.location = location;
  return request;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  return hex_encode(sha256(bytes));
}

std::string signature_v4(const std::string& secret_key, const std::string& date,
                         const std::string& region, const std::string& service,
                         const std::string& string_to_sign) {
  const std::string key =
      hmac_sha256(hmac_sha256(hmac_sha256(hmac_sha256("AWS4" + secret_key, date), region), service),
                  "aws4_request");
  return hex_encode(hmac_sha256(key, string_to_sign));
}

void put_object(const std::string& location, std::string_view bytes) {
  Request request = object_request("PUT", location);
  request.body = bytes;
  const Response response = send(request);
  if (response.status != 200) fail(request, response, "write the object");
}

std::string get_object(const std::string& location) {
  const Request request = object_request("GET", location);
  Response response = send(request);
  if (response.status != 200) fail(request, response, "read the object");
  return std::move(response.body);
}

bool delete_object(const std::string& location) {
  const Request request = object_request("DELETE", location);
  const Response response = send(request);
  if (response.status == 404) return false;
  if (response.status != 204 && response.status != 200) {
    fail(request, response, "delete the object");
  }
  return true;
}

std::vector<ObjectInfo> list_objects(const std::string& prefix) {
  Request request;
  request.method = "GET";
  request.bucket = bucket_of(prefix);
  request.location = prefix;
  request.query = {
      {"list-type", "2"},
      {"prefix", prefix.substr(std::min(prefix.size(), 5 + request.bucket.size() + 1))}};
  std::vector<ObjectInfo> objects;
  for (;;) {
    const Response response = send(request);
    if (response.status != 200) fail(request, response, "list the objects");
    const std::string_view xml = response.body;
    for (size_t at = xml.find("<Contents>"); at != std::string_view::npos;
         at = xml.find("<Contents>", at + 1)) {
      const size_t end = xml.find("</Contents>", at);
      const std::string_view entry = xml.substr(at, end == std::string_view::npos ? end : end - at);
      ObjectInfo object;
      object.location = "s3://";
      object.location.append(request.bucket).append("/").append(xml_value(entry, "Key"));
      const std::string size = xml_value(entry, "Size");
      std::from_chars(size.data(), size.data() + size.size(), object.size);
      object.modified_ms = parse_time_ms(xml_value(entry, "LastModified"));
      objects.push_back(std::move(object));
    }
    const std::string token = xml_value(xml, "NextContinuationToken");
    if (xml_value(xml, "IsTruncated") != "true" || token.empty()) break;
    request.query["continuation-token"] = token;
  }
  return objects;
}

}  // namespace strata::lake::s3
