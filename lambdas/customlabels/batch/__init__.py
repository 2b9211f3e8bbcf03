"""Batch analysis: a prefix or manifest analysed by a Step Functions Distributed Map."""
