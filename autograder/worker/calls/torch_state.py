"""Observe what a call did to a torch model and its input (hooks, gradients, mode, values)."""

from __future__ import annotations

import torch

# Bound at import, before submission code runs: a submission that patches
# torch.equal or Tensor.clone cannot blind the observer.
_equal = torch.equal
_clone = torch.Tensor.clone
_detach = torch.Tensor.detach

_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def _hook_count(model: torch.nn.Module) -> int:
    """Hooks on the model, without transformers' own: ``output_attentions=True`` installs output-capturing
    hooks on a CLIP model's attention layers the first time and keeps them."""
    return sum(1 for module in model.modules() for name in _HOOK_DICTS
               for hook in getattr(module, name, {}).values()
               if not str(getattr(hook, "__module__", "")).startswith("transformers."))


def _config_json(model) -> str | None:
    """The whole configuration as JSON. Not transformers' default form (only what differs from the
    defaults): that builds a default configuration of every kind on each call, 4 of a CLIP call's 25 ms."""
    config = getattr(model, "config", None)
    return config.to_json_string(use_diff=False) if config is not None and hasattr(config, "to_json_string") else None


class ModelObserver:
    """Snapshot before the call; :meth:`changes` describes the differences afterwards.

    ``input_tensor`` is optional (CLIP calls pass images and texts, not tensors).
    """

    def __init__(self, model: torch.nn.Module, input_tensor: torch.Tensor | None = None) -> None:
        self.model, self.input = model, input_tensor
        self.hooks = _hook_count(model)
        self.training = [module.training for module in model.modules()]
        self.requires_grad = {name: p.requires_grad for name, p in model.named_parameters()}
        self.state = {name: _clone(_detach(tensor)) for name, tensor in model.state_dict().items()}
        self.config = _config_json(model)
        if input_tensor is not None:
            self.input_values = _clone(_detach(input_tensor))
            self.input_requires_grad = input_tensor.requires_grad

    def changes(self) -> dict:
        model, state = self.model, self.model.state_dict()
        seen = {
            "hooks_added": _hook_count(model) - self.hooks,
            "params_with_grad": [name for name, p in model.named_parameters() if p.grad is not None],
            "requires_grad_changed": [name for name, p in model.named_parameters()
                                      if self.requires_grad.get(name) != p.requires_grad],
            "train_mode_changed": [m.training for m in model.modules()] != self.training,
            "model_training": model.training,
            "state_changed": [
                name for name, before in self.state.items()
                if name not in state or not _equal(_detach(state[name]), before)
            ],
            "config_changed": _config_json(model) != self.config,
        }
        if self.input is not None:
            seen.update(
                input_changed=not _equal(_detach(self.input), self.input_values),
                input_requires_grad_changed=self.input.requires_grad != self.input_requires_grad,
                input_has_grad=self.input.grad is not None,
            )
        return seen
