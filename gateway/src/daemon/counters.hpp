// The daemon's counters that carry a partner (and those with no labels), each named once with
// its help text here. declare() registers every series the running configuration can produce
// at 0, at start and at each reload, so that a Prometheus rate() or increase() over a partner
// that has sent nothing yet reads 0 rather than no data (an alert on "no orders from acme for a
// day" needs the series to exist).
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "http/metrics.hpp"

namespace edigate::gateway::daemon::counters {

// transport: "as2", "https", "sftp".
http::Counter& messages_received(http::Metrics& m, std::string_view partner,
                                 std::string_view transport);
http::Counter& bytes_received(http::Metrics& m, std::string_view partner,
                              std::string_view transport);
http::Counter& receive_errors(http::Metrics& m, std::string_view partner,
                              std::string_view transport);
http::Counter& documents(http::Metrics& m, std::string_view partner);
http::Counter& edi_errors(http::Metrics& m, std::string_view partner);
http::Counter& delivery_failures(http::Metrics& m, std::string_view partner,
                                 std::string_view connector);
http::Counter& outbound_messages(http::Metrics& m, std::string_view partner);
http::Counter& mdn_timeouts(http::Metrics& m);
http::Counter& jobs_released(http::Metrics& m);
http::Counter& purged_messages(http::Metrics& m);
http::Counter& as2_refusals_unrecorded(http::Metrics& m);
http::Counter& upload_refusals_unaudited(http::Metrics& m);

// Per partner: messages for each transport it can use (as2 with an <as2> and our station,
// https with upload credentials and a listener serving upload, sftp with SFTP logins and our
// SFTP server), bytes and refusals over AS2 (the only transport they are counted for),
// documents and EDI errors, delivery failures per connector its routes name, outbound messages
// when the ERP can send it documents (a mapping directory and an AS2 url with our station, an
// https-push or an sftp-push); and the counters above without labels. Series of a partner
// removed since stay (counters only grow).
void declare(http::Metrics& m, const config::GatewayConfig& config);

}  // namespace edigate::gateway::daemon::counters
