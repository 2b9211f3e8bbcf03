"""Batch analysis: a prefix, a manifest or a long video analysed by a Step Functions Distributed Map.

functions.py       the five batch Lambdas and their environment
machine.py         the state machine's definition (small builders read as chains)
map_state.py       the Distributed Map states, written as ASL
machine_grants.py  what the machine's role may do beyond invoking its functions
analysis.py        the BatchAnalysis construct that wires them
"""

from infra.batch.analysis import BatchAnalysis, batch_machine_arn

__all__ = ["BatchAnalysis", "batch_machine_arn"]
