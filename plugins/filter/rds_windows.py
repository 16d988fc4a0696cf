# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.payments.aws_platform.plugins.module_utils.rds import DEFAULT_GAP_MINUTES
from ansible_collections.payments.aws_platform.plugins.module_utils.rds import window_conflicts

DOCUMENTATION = r"""
---
name: rds_window_conflicts
short_description: Why an RDS backup window and maintenance window cannot be used together
version_added: 0.1.0
description:
  - Checks the format of both windows (C(hh24:mi-hh24:mi) daily, C(ddd:hh24:mi-ddd:hh24:mi) weekly, UTC),
    that each lasts at least 30 minutes, and that no day's backup window comes closer than I(gap_minutes)
    to the maintenance window, over midnight and over the end of the week.
  - Windows are half-open intervals, so windows that only touch have a gap of 0 minutes.
  - The same check as the C(payments.aws_platform.rds_db_instance) module makes before any AWS call.
author:
  - Payments platform team (!UNKNOWN)
positional: _input, maintenance_window
options:
  _input:
    description: The daily backup window, such as C(03:00-04:00).
    type: str
    required: true
  maintenance_window:
    description: The weekly maintenance window, such as C(sun:05:00-sun:06:00) (any case).
    type: str
    required: true
  gap_minutes:
    description: The smallest number of minutes allowed between the two windows.
    type: int
    default: 30
  backup_name:
    description: How messages name the backup window (the variable that holds it).
    type: str
    default: backup window
  maintenance_name:
    description: How messages name the maintenance window.
    type: str
    default: maintenance window
"""

EXAMPLES = r"""
- name: Check the windows before any AWS call
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ rds_kms_backup_window | payments.aws_platform.rds_window_conflicts(rds_kms_maintenance_window,
         gap_minutes=30, backup_name='rds_kms_backup_window', maintenance_name='rds_kms_maintenance_window') }}
"""

RETURN = r"""
_value:
  description: One message per problem; an empty list when the pair is good.
  type: list
  elements: str
"""


def rds_window_conflicts(
    backup_window,
    maintenance_window,
    gap_minutes=DEFAULT_GAP_MINUTES,
    backup_name="backup window",
    maintenance_name="maintenance window",
):
    try:
        gap = int(gap_minutes)
    except (TypeError, ValueError) as e:
        raise AnsibleFilterError(f"rds_window_conflicts: gap_minutes must be an integer: {to_native(e)}") from e
    return window_conflicts(
        backup_window,
        maintenance_window,
        gap,
        backup_name=str(backup_name),
        maintenance_name=str(maintenance_name),
    )


class FilterModule:
    def filters(self):
        return {"rds_window_conflicts": rds_window_conflicts}
