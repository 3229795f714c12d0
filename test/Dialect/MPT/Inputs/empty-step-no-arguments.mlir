// A step without parameters, batch or body.
mpt.train_step @nothing params() batch() optimizer(#mpt.sgd<lr = 1.000000e-01>) {
}
