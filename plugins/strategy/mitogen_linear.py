# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
name: mitogen_linear
short_description: The linear strategy over one persistent Python per host (mitogen), linear without it
version_added: 0.1.0
description:
  - Runs a play task by task like P(ansible.builtin.linear#strategy), but through mitogen's C(ansible_mitogen)
    strategy, where one Python interpreter per host stays up for the whole run, so a task does not start a
    process and import boto3 again (about half the wall time of a converge of this collection, see
    C(bench/RESULTS.md)).
  - This collection's C(ansible.cfg) makes it the default. Where the C(mitogen) package is not installed
    (an execution environment built without it, an installed collection used with another C(ansible.cfg)),
    the plugin warns once and runs the plain linear strategy, with the same results, only slower.
  - Set C(ANSIBLE_STRATEGY=linear) to run without mitogen.
  - Unlike mitogen's own C(mitogen_linear), every C(ansible_connection=local) host gets an interpreter of its own
    (named C(payments:<inventory host>)), so environments converged in one run run side by side, and no process
    is pinned to a CPU (mitogen pins all but its multiplexer to one CPU on a machine with fewer than 4).
author:
  - Payments platform team (!UNKNOWN)
notes:
  - Needs C(mitogen==0.3.54) (requirements.txt, the execution environment's requirements) for the speed-up.
"""

from ansible.plugins.strategy.linear import StrategyModule as _Linear
from ansible.utils.display import Display

try:
    import ansible_mitogen.loaders  # noqa: F401  (mitogen's loader hooks must be installed first)
    import ansible_mitogen.strategy

    HAS_MITOGEN = True
except ImportError:
    HAS_MITOGEN = False


def one_interpreter_per_local_host(connect_local):
    """mitogen keys a target interpreter by its connection settings, and every ``ansible_connection: local``
    host has the same ones (the controller's Python), so all of a play's local hosts shared one interpreter,
    and it runs one call at a time: three environments in one run (one local host each) took three times as
    long as one. Naming the interpreter after its inventory host gives each host its own, run in parallel."""

    def connect(spec):
        stack = connect_local(spec)
        name = str(spec.inventory_name()).replace("/", "_").replace("\\", "_")
        stack["kwargs"] = dict(stack.get("kwargs") or {}, remote_name=f"payments:{name}")
        return stack

    return connect


if HAS_MITOGEN:
    import ansible_mitogen.affinity
    import ansible_mitogen.connection

    # mitogen pins its processes to CPUs: on fewer than 4 it keeps one for its multiplexer and pins the
    # controller, every worker and every host's interpreter to one other, so a 2-core machine ran three
    # environments on one core. The base Policy pins nothing and leaves placement to the kernel.
    ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

    # Worker processes fork from the controller after this import, so they see the change.
    ansible_mitogen.connection.CONNECTION_METHOD["local"] = one_interpreter_per_local_host(
        ansible_mitogen.connection.CONNECTION_METHOD["local"]
    )

    class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
        pass

else:

    class StrategyModule(_Linear):
        def __init__(self, *args, **kwargs):
            Display().warning(
                "payments.aws_platform.mitogen_linear: the mitogen package is not installed, "
                "running the ansible.builtin.linear strategy (same results, slower)"
            )
            super().__init__(*args, **kwargs)
