"""The referrals pages: the partner directory, referrals and consent, accompaniments,
support-coordination meetings and the supervisors' summary and provision records."""
