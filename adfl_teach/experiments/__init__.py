"""Experiments: cross-validation jobs, run folders, pipelines, probes, summaries, statistics, the reproduction report."""
