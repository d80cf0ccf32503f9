"""Papers back (paper-trail.md): signed scans come in, are checked, kept and handed over. No Qt.

scans      reading scan files (PDF, PNG, JPEG, TIFF) into page images, within hard limits
locate     each page's QR: its identity and the corners a scan is aligned by
ink        whether a signature or stamp box holds ink
check      one page against the print it belongs to: its verdict
intake     scan-in: a batch of files matched to cases, verdicts, pages kept, statuses set
handover   the package for the operator: signed scans, copies, a manifest
"""
