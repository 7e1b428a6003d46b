"""Forms of the cases app: clients and consultations (`clients`), cases (`cases`)."""
