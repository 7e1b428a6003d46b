"""Every write of the LINE channel. Modules: events (the webhook's rows and their processing),
conversations (her messages, claiming, closing), outbound (sending to her), autoreplies,
media (what she sent besides words)."""
