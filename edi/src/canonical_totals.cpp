// Freight invoice reconciliation: line charges against totals.charge, in exact decimals.
#include <string>
#include <vector>

#include "edigate/edi/canonical.hpp"
#include "exact_decimal.hpp"

namespace edigate::edi::canonical {

std::vector<std::string> check_freight_totals(const FreightInvoice& invoice) {
  using detail::ExactDecimal;
  std::vector<std::string> problems;
  if (!invoice.totals || !invoice.totals->charge) return problems;
  const std::optional<ExactDecimal> total = ExactDecimal::parse(*invoice.totals->charge);
  if (!total) {
    problems.push_back("/totals/charge: \"" + *invoice.totals->charge + "\" is not a decimal");
  }
  ExactDecimal sum;
  for (std::size_t l = 0; l < invoice.lines.size(); ++l) {
    const std::vector<Charge>& charges = invoice.lines[l].charges;
    for (std::size_t c = 0; c < charges.size(); ++c) {
      if (!charges[c].amount) continue;
      const std::optional<ExactDecimal> amount = ExactDecimal::parse(*charges[c].amount);
      if (amount) {
        sum += *amount;
      } else {
        problems.push_back("/lines/" + std::to_string(l) + "/charges/" + std::to_string(c) +
                           "/amount: \"" + *charges[c].amount + "\" is not a decimal");
      }
    }
  }
  if (!problems.empty() || compare(sum, *total) == 0) return problems;
  ExactDecimal difference = *total;
  difference += -sum;
  problems.push_back("/totals/charge: " + *invoice.totals->charge +
                     " does not equal the sum of the line charge amounts, " + sum.to_string() +
                     " (difference " + difference.to_string() + ")");
  return problems;
}

}  // namespace edigate::edi::canonical
