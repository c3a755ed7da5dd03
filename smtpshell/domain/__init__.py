"""`smtpshell domain DOMAIN`: a domain's mail setup (MX, SPF, DMARC, MTA-STS, TLS-RPT, DANE, BIMI, DKIM) explained."""
