"""The email-authentication lab: a sandbox DNS zone, and the sandbox as a strict receiver checking SPF, DKIM and
DMARC with well-kept libraries (pyspf, dkimpy, authres), so a learner can break a record and see why mail is
refused.
"""
