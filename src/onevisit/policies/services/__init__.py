"""Policy actions: ``drafting`` (draft, publish, close), ``matching`` (all enterprises →
offers + SMS), ``offers`` (confirmation within budget, payout, clawback, who sees what)."""
