"""Learned decisions on wording (safety risk, scope, intent): data, features, fitting and prediction."""
