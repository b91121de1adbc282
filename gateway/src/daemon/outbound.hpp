// Outbound documents from the ERP: POST /api/outbound?partner=ID[&standard=x12|edifact] on the
// admin API. Canonical documents are rendered with the partner's maps, read back as the partner
// will read them, numbered with our control numbers and stored with their send_out job in one
// commit (docs/operations.md, "Outbound documents from the ERP").
#pragma once

#include <string>

#include "daemon/core.hpp"
#include "http/message.hpp"

namespace edigate::gateway::daemon {

// Answers the request (202, 200 for a repeated Idempotency-Key, 400/404/409/422/500); `actor`
// is the admin token's audit name. Runs on a worker.
void outbound_intake(Core& core, const Live& live, const http::Request& request,
                     http::Responder& responder, const std::string& actor);

}  // namespace edigate::gateway::daemon
