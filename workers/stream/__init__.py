"""The streaming side: a Faust app whose agent runs the enrichment pipeline between Kafka topics."""
