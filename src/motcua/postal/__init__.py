"""The public postal service (bưu chính công ích): orders, hand-over records, tracking and delivery."""
