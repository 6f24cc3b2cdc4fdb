//! Tests of the users routes.

use crate::both;
use crate::helpers::*;
