"""The attorney portal: the firm's cases, one case's fills, ledger and documents."""
