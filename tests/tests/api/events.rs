//! Tests of the events routes.

use crate::both;
use crate::helpers::*;
