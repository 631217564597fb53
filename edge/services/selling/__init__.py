"""The till's domain: orders, their prices and promotions, payments, refunds, shifts, customers."""
