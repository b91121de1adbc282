// Delivers one document (or --count N in a row through the same connector) with options from
// argv and prints each DeliveryResult as a JSON line. Driven by connectors_test.sh.
//
//   connector_probe (--url URL | --dir DIR) [--auth none|bearer|basic|oauth2|hmac]
//     [--token-file F] [--user U --password-file F] [--token-url U --client-id ID
//     --client-secret-file F] [--hmac-secret-file F [--hmac-header H] [--hmac-algorithm A]]
//     [--ca-file F] [--cert F --key F]
//     [--connect-timeout-ms N] [--timeout-ms N] [--plain-http] [--id ID] [--idempotency-key K]
//     [--type T] [--partner P] [--json TEXT] [--raw-edi TEXT] [--count N]
//     [--pause-ms N] (between deliveries) [--threads N] (each delivers --count times)
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "connectors/file_connector.hpp"
#include "connectors/http_connector.hpp"

using namespace edigate::gateway::connectors;

namespace {

const std::map<std::string, HttpAuth> kAuth = {{"none", HttpAuth::none},
                                               {"bearer", HttpAuth::bearer},
                                               {"basic", HttpAuth::basic},
                                               {"oauth2", HttpAuth::oauth2},
                                               {"hmac", HttpAuth::hmac}};

int usage(const std::string& why) {
  std::cerr << "connector_probe: " << why << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt = {{"--auth", "none"},       {"--id", "doc-1"},
                                            {"--type", "850"},        {"--partner", "acme"},
                                            {"--json", R"({"t":1})"}, {"--count", "1"}};
  bool plain_http = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plain-http") {
      plain_http = true;
    } else if (a.starts_with("--") && i + 1 < argc) {
      opt[a] = argv[++i];
    } else {
      return usage("bad argument " + a);
    }
  }
  std::unique_ptr<Connector> connector;
  HttpConnector* http = nullptr;
  if (opt.contains("--dir")) {
    connector = std::make_unique<FileConnector>(
        FileConnectorOptions{.directory = opt["--dir"], .write_raw_edi = true});
  } else {
    if (!kAuth.contains(opt["--auth"])) return usage("unknown --auth");
    HttpConnectorOptions o;
    o.url = opt["--url"];
    o.auth = kAuth.at(opt["--auth"]);
    o.bearer_token_file = opt["--token-file"];
    o.basic_user = opt["--user"];
    o.basic_password_file = opt["--password-file"];
    o.oauth2_token_url = opt["--token-url"];
    o.oauth2_client_id = opt["--client-id"];
    o.oauth2_client_secret_file = opt["--client-secret-file"];
    o.hmac_secret_file = opt["--hmac-secret-file"];
    if (opt.contains("--hmac-header")) o.hmac_header = opt["--hmac-header"];
    if (opt.contains("--hmac-algorithm")) o.hmac_algorithm = opt["--hmac-algorithm"];
    o.ca_file = opt["--ca-file"];
    o.client_cert_file = opt["--cert"];
    o.client_key_file = opt["--key"];
    if (opt.contains("--connect-timeout-ms"))
      o.connect_timeout = std::chrono::milliseconds(std::stol(opt["--connect-timeout-ms"]));
    if (opt.contains("--timeout-ms"))
      o.total_timeout = std::chrono::milliseconds(std::stol(opt["--timeout-ms"]));
    o.allow_plain_http = plain_http;
    auto created = HttpConnector::create(o);
    if (!created) return usage(created.error().message);
    http = created->get();
    connector = std::move(*created);
  }
  Delivery d;
  d.document_id = opt["--id"];
  d.idempotency_key = opt.contains("--idempotency-key") ? opt["--idempotency-key"] : d.document_id;
  d.json = opt["--json"];
  d.raw_edi = opt["--raw-edi"];
  d.document_type = opt["--type"];
  d.partner = opt["--partner"];
  const int count = std::stoi(opt["--count"]);
  const int threads = std::stoi(opt["--threads"].empty() ? "1" : opt["--threads"]);
  const auto pause =
      std::chrono::milliseconds(std::stol(opt["--pause-ms"].empty() ? "0" : opt["--pause-ms"]));
  std::mutex print_mutex;
  // Each thread delivers `count` times through the one shared connector.
  auto worker = [&] {
    Delivery mine = d;
    for (int i = 1; i <= count; ++i) {
      if (i > 1) std::this_thread::sleep_for(pause);
      mine.attempt = i;
      const DeliveryResult r = connector->deliver(mine);
      nlohmann::json out = {{"outcome", outcome_name(r.outcome)},
                            {"http_status", r.http_status},
                            {"retry_after", r.retry_after.count()},
                            {"error", r.error},
                            {"response_excerpt", r.response_excerpt}};
      if (http != nullptr) out["token_fetches"] = http->token_fetches();
      std::lock_guard lock(print_mutex);
      std::cout << out.dump() << std::endl;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  return 0;
}
